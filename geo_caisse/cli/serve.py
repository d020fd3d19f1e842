"""``geo-caisse serve``: the API and the pages, once the territory folder passes its check."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import TYPE_CHECKING

from geo_caisse.core.settings import load_settings

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _serve(args: argparse.Namespace) -> int:
    import gc

    from geo_caisse.layers.territory_check import check_territory_cached, refusal

    # the collector paused while the app is imported and started (about a fifth of the time
    # to the first page); the app's lifespan resumes it once started (api.main)
    gc.disable()

    settings = load_settings()
    # the same check as `geo-caisse territory check`, remembered while the files are
    # unchanged: a folder with problems is refused here, in words, before the server starts
    report = check_territory_cached(settings.territory.territory_dir,
                                    cache_dir=settings.territory.cache_dir)
    if not report.ok:
        gc.enable()
        print(f"geo-caisse serve: {refusal(report)}", file=sys.stderr)
        return 2
    import uvicorn

    # the served app prepares the members' first search and the base map once it answers
    # (off by default for the apps that tests and scripts build)
    os.environ.setdefault("GEO_CAISSE_WARM_UP", "1")
    workers = args.workers or settings.api.workers
    if workers > 1:
        # each worker is spawned and imports the app anew: it pauses its collector for
        # that too (geo_caisse/__init__.py), until its lifespan resumes it
        os.environ["GEO_CAISSE_SERVE_WORKER_IMPORTS"] = "1"
    if workers > 1 and settings.api.jwt_secret is None:
        # one development secret for every worker: a token one signs, the others accept
        os.environ["GEO_CAISSE_JWT_SECRET"] = secrets.token_urlsafe(32)
    # the app is named by its import string so that geo_caisse never imports the api package
    # (and so that each worker process builds its own)
    uvicorn.run("api.main:create_app", factory=True, host=args.host or settings.api.host,
                port=args.port or settings.api.port, log_level="info", workers=workers,
                # no access log: the places members search (lon/lat) are never logged
                access_log=False)
    return 0


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return int(text)


def register(sub: Subcommands) -> None:
    serve = sub.add_parser("serve", help="serve the API and the map (refused, exit 2, when "
                           "the territory folder has problems: see geo-caisse territory check)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=_workers, metavar="N",
                       help="server processes (default: GEO_CAISSE_WORKERS, 1)")
    serve.set_defaults(func=_serve)
