"""One running site for every browser test: the bundled territory on a SpatiaLite store
with a SYNTHETIC year of MonA (2025) and a SYNTHETIC November 2026 at the producer's,
volunteers, a coordinator (``coord``), a producer (``ferme``) and a member (``amina``),
served on a free local port; and one headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
from geo_caisse.mona.payments import issue_payment_code, pay
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.mona.treasury import allocate_month
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import MemberRow, PointOfSaleRow
from tests.utils.browser import chromium, serving
from tests.utils.stores import PASSWORD


@dataclass(frozen=True)
class Site:
    base: str           #: http://127.0.0.1:<port>
    shop_id: int        #: the producer account's point of sale
    url: str            #: the store's database URL


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, territory: Territory,
         cache_dir: Path, basemap_built: None) -> Iterator[Site]:
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
    # this year: November's MonA, 12 members paying at the producer's (a month over)
    with session_factory(engine)() as s:
        members = s.scalars(select(MemberRow.id).where(MemberRow.status == "active")
                            .order_by(MemberRow.id).limit(12)).all()
    allocate_month(writer, territory, "2026-11")
    november = datetime(2026, 11, 14, 9, 30, tzinfo=UTC)
    for i, member in enumerate(members):
        code = issue_payment_code(writer, territory, member, now=november).code
        pay(writer, code=code, point_of_sale_id=int(shop or 0), amount_mona="8.40",
            idempotency_key=f"nov-{i}", now=november)
    create_user(writer, username="amina", password=PASSWORD, role="member",
                member_id=members[0])
    engine.dispose()
    settings = Settings(DatabaseSettings(database_url=url), TerritorySettings(cache_dir=cache_dir),
                        ApiSettings())
    with serving(create_app(settings)) as base:
        yield Site(base, int(shop or 0), url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b
