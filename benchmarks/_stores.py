"""The stores the payment benchmark and the crash trials run on: the bundled data on a fresh
SpatiaLite file or PostGIS database, members credited for a month, the conventionnés to
cash at; and dropping them after."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR, DatabaseSettings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import init_store
from geo_caisse.mona.accounts import register_members
from geo_caisse.mona.treasury import allocate_month
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import PointOfSaleRow

PG_ADMIN = os.environ.get("GEO_CAISSE_TEST_POSTGIS_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TERRITORY = Territory.from_dir(BUNDLED_TERRITORY_DIR)


def fresh_store(backend: str, folder: Path, *, prefix: str) -> tuple[str, Engine]:
    """A fresh store with the bundled data (a SpatiaLite file in ``folder`` or a new PostGIS
    database): its URL and an engine on it (the caller disposes of it)."""
    if backend == "spatialite":
        url = f"sqlite:///{folder}/{prefix}.sqlite"
    else:
        name = f"gc_{prefix}_{uuid.uuid4().hex[:10]}"
        admin = create_engine(make_url(PG_ADMIN).set(database="postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), TERRITORY, progress=quiet)
    return url, engine


def credited_store(backend: str, folder: Path, members: int, *, prefix: str,
                   shops: int) -> tuple[str, Engine, list[int], list[int]]:
    """A fresh store with the bundled data and ``members`` members (``<prefix>-00000``…)
    credited for 2026-01: its URL, an engine on it (the caller disposes of it), the members'
    ids and the first ``shops`` conventionnés accepting the MonA."""
    url, engine = fresh_store(backend, folder, prefix=prefix)
    writer = writer_sessions(engine)
    ids = [m.id for m in register_members(writer, [dict(
        pseudonym=f"{prefix}-{i:05d}", joined_on=date(2026, 1, 1), synthetic=True)
        for i in range(members)])]
    allocate_month(writer, TERRITORY, "2026-01")
    with session_factory(engine)() as s:
        found = list(s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id).limit(shops)))
    if len(found) < shops:
        raise SystemExit(f"the bundled data has only {len(found)} conventionnés, "
                         f"{shops} needed")
    return url, engine, ids, found


def drop_store(backend: str, url: str) -> None:
    """Drop a PostGIS store made by :func:`credited_store` (a SpatiaLite file goes with its
    folder)."""
    if backend == "postgis":
        admin = create_engine(make_url(url).set(database="postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"))
        admin.dispose()
