"""The FastAPI application: ``create_app(settings)``; nothing is built at import time."""

from __future__ import annotations

import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors
from api.routes import (
    enrolment,
    ledger,
    markets,
    nearest,
    neighbourhoods,
    pages,
    points_of_sale,
    search,
    transfer,
    walking,
)
from geo_caisse.geocode import load_address_index
from geo_caisse.settings import Settings, load_settings
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.migrate import current_revision
from geo_caisse.territory import Territory
from geo_caisse.walking import WalkingService
from maps import (
    STATIC_DIR,
    build_coordinator_map,
    build_member_map,
    build_mona_map,
    build_producer_map,
    build_recruitment_map,
)


class RefuseOversizeBodies:
    """413 for a declared body over the upload limit (pure ASGI: no cost on other requests).

    Bodies without Content-Length are capped where they are read (the import route).
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for key, value in scope["headers"]:
                if key == b"content-length":
                    if value.isdigit() and int(value) > self.limit + 64 * 1024:
                        response = JSONResponse(
                            {"detail": f"request body larger than {self.limit} bytes",
                             "error": "PayloadTooLargeError"}, status_code=413)
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan opens the store and builds the map page."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database)
        if current_revision(engine) is None:
            engine.dispose()
            raise RuntimeError("the store is empty: run `geo-caisse init` first")
        territory = Territory.from_dir(settings.territory.territory_dir)
        app.state.settings = settings
        secret = settings.api.jwt_secret
        app.state.jwt_secret = (secret.get_secret_value() if secret is not None
                                else secrets.token_urlsafe(32))
        app.state.flows = None
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.writer_sessions = writer_sessions(engine)
        app.state.territory = territory
        app.state.walking = None
        if territory.network is not None and territory.population is not None:
            app.state.walking = WalkingService.load(
                territory, cache_dir=settings.territory.cache_dir, progress=_stderr)
        app.state.search = None
        if territory.search is not None:
            app.state.search = load_address_index(territory, app.state.sessions)
        app.state.geojson_cache = {}
        app.state.feature_cache = {}
        app.state.member_map_html = {lang: build_member_map(territory, lang=lang)
                                     for lang in ("fr", "en")}
        app.state.coordinator_map_html = build_coordinator_map(territory)
        app.state.mona_map_html = build_mona_map(territory)
        app.state.recruitment_map_html = build_recruitment_map(territory)
        app.state.producer_map_html = build_producer_map(territory)
        yield
        engine.dispose()

    app = FastAPI(
        title="geo_caisse",
        summary="La carte d'une Caisse Alimentaire Commune (Sécurité Sociale de l'Alimentation)",
        version="0.1.0",
        license_info={"name": "AGPL-3.0-or-later",
                      "url": "https://www.gnu.org/licenses/agpl-3.0.html"},
        lifespan=lifespan,
    )
    errors.install(app)

    app.add_middleware(RefuseOversizeBodies, limit=settings.api.max_upload_bytes)

    for module in (points_of_sale, markets, neighbourhoods, nearest, walking, transfer, ledger,
                   enrolment, search, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
