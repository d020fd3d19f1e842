"""``geo-caisse serve``: the API and the pages."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from geo_caisse.core.settings import load_settings

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _serve(args: argparse.Namespace) -> int:
    import gc

    # the collector paused while the app is imported and started (about a fifth of the time
    # to the first page); the app's lifespan resumes it once started (api.main)
    gc.disable()
    import uvicorn

    settings = load_settings()
    # the app is named by its import string so that geo_caisse never imports the api package
    uvicorn.run("api.main:create_app", factory=True, host=args.host or settings.api.host,
                port=args.port or settings.api.port, log_level="info",
                # no access log: the places members search (lon/lat) are never logged
                access_log=False)
    return 0


def register(sub: Subcommands) -> None:
    serve = sub.add_parser("serve", help="serve the API and the map")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=_serve)
