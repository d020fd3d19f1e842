"""One running site for every browser test: the bundled territory on a SpatiaLite store
with a SYNTHETIC year of MonA, volunteers, a coordinator (``coord``) and a producer
(``ferme``), served on a free local port; and one headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from geo_caisse.auth.users import create_user
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.layers.loading import init_store
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.browser import chromium, serving
from tests.utils.stores import PASSWORD


@dataclass(frozen=True)
class Site:
    base: str           #: http://127.0.0.1:<port>
    shop_id: int        #: the producer account's point of sale
    url: str            #: the store's database URL


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, territory: Territory,
         cache_dir: Path) -> Iterator[Site]:
    from api.main import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'store.sqlite'}"
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), territory, progress=quiet)
    writer = writer_sessions(engine)
    sim = simulate_year(writer, territory, year=2025, members=400, seed=5)
    import_transactions(writer, sim.csv_bytes, source="synthetic.csv")
    register_volunteers(writer, territory, simulate_volunteers(
        territory, n=300, seed=2, registered_on=date(2025, 1, 6)))
    with session_factory(engine)() as s:
        shop = s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id)).first()
    create_user(writer, username="coord", password=PASSWORD, role="coordinator")
    create_user(writer, username="ferme", password=PASSWORD, role="producer",
                point_of_sale_id=shop)
    engine.dispose()
    settings = Settings(DatabaseSettings(database_url=url), TerritorySettings(cache_dir=cache_dir),
                        ApiSettings())
    with serving(create_app(settings)) as base:
        yield Site(base, int(shop or 0), url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b
