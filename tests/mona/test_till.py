"""The till and the member's own account on both backends: today's takings, receipts that
name nobody, reconversion requests decided by a coordinator, the statement with names."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from geo_caisse.core.errors import ConflictError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.mona.accounts import register_member
from geo_caisse.mona.member_account import member_account
from geo_caisse.mona.payments import issue_payment_code, pay
from geo_caisse.mona.statements import budget_summary, verify_ledger
from geo_caisse.mona.till import (
    approve_reconversion,
    reconversion_requests,
    refuse_reconversion,
    request_reconversion,
    till_summary,
)
from geo_caisse.mona.treasury import allocate_month, record_contribution, reverse
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import MarketRow, PointOfSaleRow
from tests.utils.stores import Store

TODAY = datetime.now(UTC).date()
MONTH = f"{TODAY:%Y-%m}"


def _stall(store: Store) -> tuple[int, str, str]:
    """A conventionné market stall: its id, name and market's name."""
    with store.sessions() as s:
        pos, market = s.execute(select(PointOfSaleRow, MarketRow.name)
                                .join(MarketRow, MarketRow.id == PointOfSaleRow.market_id)
                                .where(PointOfSaleRow.accepts_mona.is_(True))
                                .order_by(PointOfSaleRow.id)).first()
        return pos.id, pos.name, market


def _paid(store: Store, territory: Territory, amounts: list[str]) -> tuple[int, int, list[int]]:
    sessions = writer_sessions(store.engine)
    member = register_member(sessions, territory, joined_on=date(TODAY.year, 1, 1))
    allocate_month(sessions, territory, MONTH)
    record_contribution(sessions, territory, member_id=member.id, amount_eur="25", month=MONTH)
    stall, _, _ = _stall(store)
    receipts = []
    for i, amount in enumerate(amounts):
        code = issue_payment_code(sessions, territory, member.id).code
        receipts.append(pay(sessions, code=code, point_of_sale_id=stall, amount_mona=amount,
                            idempotency_key=f"sale-{i}").payment_id)
    return member.id, stall, receipts


def test_the_till_shows_takings_and_receipts_that_name_nobody(store: Store,
                                                              territory: Territory) -> None:
    _member, stall, receipts = _paid(store, territory, ["12.50", "7.25"])
    sessions = writer_sessions(store.engine)
    t = till_summary(sessions, territory, stall)
    assert (t.today_mona, t.today_payments) == (Decimal("19.75"), 2)
    assert t.balance_mona == t.available_mona == Decimal("19.75")
    assert [r.number for r in t.receipts] == receipts[::-1]
    for r in t.receipts:     # a receipt is a number, an amount and a time: nobody
        assert set(asdict(r)) == {"number", "amount_mona", "occurred_at"}
    assert t.place.market_name and t.place.takes_mona


def test_a_reconversion_is_asked_then_approved_once_or_refused(store: Store,
                                                              territory: Territory) -> None:
    _, stall, _ = _paid(store, territory, ["12.50", "7.25"])
    sessions = writer_sessions(store.engine)
    with pytest.raises(ValidationError, match="more than can be reconverted"):
        request_reconversion(sessions, point_of_sale_id=stall, amount_mona="20", by="ferme")
    first = request_reconversion(sessions, point_of_sale_id=stall, amount_mona="15",
                                 by="ferme")
    with pytest.raises(ValidationError, match="less the requests waiting"):
        request_reconversion(sessions, point_of_sale_id=stall, amount_mona="5", by="ferme")
    second = request_reconversion(sessions, point_of_sale_id=stall, amount_mona="4.75",
                                  by="ferme")
    assert till_summary(sessions, territory, stall).available_mona == Decimal("0.00")
    before = budget_summary(sessions)
    done = approve_reconversion(sessions, first.id, by="coord", note="virement du 3")
    assert (done.status, done.decided_by) == ("approved", "coord")
    with pytest.raises(ConflictError, match="already approved"):
        approve_reconversion(sessions, first.id, by="coord")
    after = budget_summary(sessions)
    assert after.mona_reconverted - before.mona_reconverted == Decimal("15.00")
    assert before.treasury_eur - after.treasury_eur == Decimal("15.00")
    refuse_reconversion(sessions, second.id, by="coord", note="à redemander en janvier")
    assert [r.id for r in reconversion_requests(sessions)] == []
    assert {r.status for r in reconversion_requests(sessions, status=None)} == {
        "approved", "refused"}
    t = till_summary(sessions, territory, stall)
    assert t.balance_mona == t.available_mona == Decimal("4.75")
    assert verify_ledger(sessions) == []


def test_the_member_reads_names_and_a_running_balance(store: Store,
                                                      territory: Territory) -> None:
    member, _stall_id, receipts = _paid(store, territory, ["12.50", "7.25"])
    sessions = writer_sessions(store.engine)
    reverse(sessions, receipts[1], reason="erreur de montant")
    a = member_account(sessions, territory, member)
    _, name, market = _stall(store)
    assert a.balance_mona == Decimal("87.50")
    assert a.allocated_this_month_mona == Decimal("100.00")
    assert a.contribution_this_month_eur == Decimal("25.00")
    assert a.next_allocation_on > TODAY and a.next_allocation_on.day == 1
    kinds = [(ln.kind, ln.amount_mona, ln.balance_after_mona) for ln in a.statement]
    assert kinds == [("reversal", Decimal("7.25"), Decimal("87.50")),
                     ("payment", Decimal("-7.25"), Decimal("80.25")),
                     ("payment", Decimal("-12.50"), Decimal("87.50")),
                     ("allocation", Decimal("100.00"), Decimal("100.00"))]
    assert {(ln.place_name, ln.market_name) for ln in a.statement if ln.kind != "allocation"} \
        == {(name, market)}
    assert a.statement[0].reverses_kind == "payment"
    assert a.statement[-1].reference == MONTH
