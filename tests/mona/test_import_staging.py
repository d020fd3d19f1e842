"""A long ledger import stages its movements beside the ledger: other writers go on while it
stages, and the swap is all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from geo_caisse.core.errors import ConflictError
from geo_caisse.core.settings import DatabaseSettings
from geo_caisse.core.territory import Territory
from geo_caisse.mona.accounts import register_member
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.statements import verify_ledger
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.storage import make_engine, writer_sessions
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import EventRow, TransferRow
from tests.utils.stores import Store


def _counts(store: Store) -> tuple[int, int]:
    with store.sessions() as s:
        return (int(s.scalar(select(func.count()).select_from(EventRow)) or 0),
                int(s.scalar(select(func.count()).select_from(TransferRow)) or 0))


def test_other_writers_go_on_while_an_import_stages(store: Store,
                                                    territory: Territory) -> None:
    writer = writer_sessions(store.engine)
    sim = simulate_year(writer, territory, year=2025, members=30, seed=3)
    # another process's writer, which gives up after 0.3 s of waiting for the lock
    other = make_engine(DatabaseSettings(database_url=store.url, sqlite_busy_timeout_s=0.3))
    joined: list[int] = []

    def meanwhile(message: str) -> None:
        if "staged" in message:  # the import is between two batches, or before its swap
            joined.append(register_member(writer_sessions(other), territory,
                                          joined_on=date(2026, 1, 1)).id)

    try:
        summary = import_transactions(writer, sim.csv_bytes, source="year.csv",
                                      progress=meanwhile)
    finally:
        other.dispose()
    assert joined and summary.rows == sim.movements
    assert _counts(store)[1] == sim.movements
    assert verify_ledger(writer) == []


def test_a_swap_the_ledger_refuses_writes_nothing(store: Store, territory: Territory) -> None:
    writer = writer_sessions(store.engine)
    sim = simulate_year(writer, territory, year=2025, members=20, seed=4)
    before = _counts(store)
    first = sim.csv_bytes.decode().splitlines()[1].split(",")  # the first allocation
    month, pseudonym = first[0][:7], first[2]

    def race(message: str) -> None:
        if "staged" in message:  # a concurrent import of the same month's allocations won
            with writer() as s:
                repo = LedgerRepository(s)
                member = repo.account(pseudonym).member_id
                repo.add_events([dict(kind="allocation", idempotency_key=
                                      f"allocation:{month}:{member}", fingerprint="x",
                                      reference=None, occurred_at=datetime.now(UTC),
                                      recorded_at=datetime.now(UTC))])
                s.commit()

    with pytest.raises(ConflictError, match="nothing was written"):
        import_transactions(writer, sim.csv_bytes, source="year.csv", progress=race)
    assert _counts(store) == (before[0] + 1, before[1])  # only the racing event
    assert verify_ledger(writer) == []
