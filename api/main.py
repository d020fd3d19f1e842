"""The FastAPI application: ``create_app(settings)``; nothing is built at import time."""

from __future__ import annotations

import gc
import logging
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from api import docs, errors
from api.deps import HeavyWork
from api.middleware import BodyLimit
from api.routes import (
    accounts,
    auth,
    budget_plan,
    conventionnement,
    enrolment,
    flows,
    ledger,
    markets,
    nearest,
    neighbourhoods,
    pages,
    places,
    planning,
    points_of_sale,
    search,
    suggestions,
    till,
    transfer,
    walking,
)
from api.throttle import Throttles
from geo_caisse import __version__
from geo_caisse.basemap.tiles import LazyBaseMap
from geo_caisse.core.errors import DataError, StorageError
from geo_caisse.core.progress import to_stderr
from geo_caisse.core.settings import Settings, load_settings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.search import LazyAddressIndex
from geo_caisse.mona.service import FlowsService
from geo_caisse.planning.service import TargetingService
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.migrate import current_revision
from geo_caisse.walk.service import WalkingService
from maps import STATIC_DIR
from maps.pages import Pages

LOG = logging.getLogger("geo_caisse.serve")
WARM_UP_DELAY_S = 1.0
ROUTERS = (points_of_sale, markets, neighbourhoods, nearest, walking, places, transfer, auth,
           ledger, till, accounts, flows, enrolment, planning, search, suggestions,
           conventionnement, budget_plan, pages)


def _warm_up(walking: WalkingService | None, sessions: sessionmaker[Session],
             basemap: LazyBaseMap | None) -> None:
    """Prepare the first member search, then read (or cut, when the territory's sources
    changed since `geo-caisse init`) the base map, off the request path; a failure here is
    only logged: the first request that needs it meets it again and answers it in words."""
    try:
        if walking is not None:
            walking.warm_up(sessions)
        if basemap is not None:
            basemap.get()
    except Exception:  # a background convenience: it never stops the server
        LOG.warning("the walking search or the base map could not be prepared in advance",
                    exc_info=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan opens the store, loads the territory's services and
    builds the pages."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from geo_caisse.layers.territory_check import check_territory_cached, refusal

        # the territory folder must pass its check (remembered while its files are unchanged)
        report = check_territory_cached(settings.territory.territory_dir,
                                        cache_dir=settings.territory.cache_dir)
        if not report.ok:
            raise DataError(refusal(report))
        engine = make_engine(settings.database)
        if current_revision(engine) is None:
            engine.dispose()
            raise StorageError("the store is empty: run `geo-caisse init` first")
        territory = Territory.from_dir(settings.territory.territory_dir)
        state = app.state
        state.settings, state.territory, state.engine = settings, territory, engine
        secret = settings.api.jwt_secret
        state.jwt_secret = (secret.get_secret_value() if secret is not None
                            else secrets.token_urlsafe(32))
        state.sessions = session_factory(engine)
        state.writer_sessions = writer_sessions(engine)
        state.flows = FlowsService(territory)
        state.walking = state.targeting = None
        if territory.network is not None and territory.population is not None:
            state.walking = WalkingService.load(
                territory, cache_dir=settings.territory.cache_dir, progress=to_stderr)
            state.targeting = TargetingService(territory, state.walking, state.flows)
        # the address index is read at the first search: not before the first page
        state.search = (LazyAddressIndex(territory, state.sessions,
                                         cache_dir=settings.territory.cache_dir)
                        if territory.search is not None else None)
        # the base map's archive (built by `geo-caisse init`) is read at the first tile, or
        # by the warm-up; one not built yet (sources changed since) is cut then, once
        state.basemap = None if territory.basemap.tile_url else LazyBaseMap(
            territory, cache_dir=settings.territory.cache_dir, progress=to_stderr)
        # each page is built at its first request, then kept (on disk too)
        state.pages = Pages(territory, cache_dir=settings.territory.cache_dir)
        if settings.api.warm_up:
            # a second after start-up: the first page is answered before it competes
            warm = threading.Timer(WARM_UP_DELAY_S, _warm_up,
                                   args=(state.walking, state.sessions, state.basemap))
            warm.name, warm.daemon = "geo-caisse-warm-up", True
            warm.start()
        if not gc.isenabled():  # paused by `geo-caisse serve` for the imports and start-up
            gc.freeze()  # what start-up made lives as long as the app: never scanned again
            gc.enable()
        yield
        engine.dispose()

    app = FastAPI(
        title="geo_caisse",
        summary="La carte d'une Caisse Alimentaire Commune (Sécurité Sociale de l'Alimentation)",
        version=__version__,
        license_info={"name": "AGPL-3.0-or-later",
                      "url": "https://www.gnu.org/licenses/agpl-3.0.html"},
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # served below from the vendored assets: no CDN
    )
    errors.install(app)
    docs.install(app)
    app.state.throttles = Throttles(settings.throttle)
    app.state.heavy = HeavyWork(settings.api.heavy_workers, settings.api.heavy_queue)
    # every body capped as it arrives, before routing, auth and parsing; imports take files
    app.add_middleware(BodyLimit, default=settings.api.max_body_bytes,
                       larger={"/api/import/": settings.api.max_upload_bytes})
    # each module's routes, built once when its router was declared (prefix, tags and
    # dependencies already applied), are the app's own: include_router would build every
    # route a second time (FastAPI 0.165 does it at the first request, about 0.2 s) and
    # match each request through one more level of routers
    for module in ROUTERS:
        app.router.routes.extend(module.router.routes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
