"""The Mona ledger on both backends: allocation once, payments, refusals, DB-held invariants."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse import (
    GeoCaisseError,
    IdempotencyConflictError,
    NotFoundError,
    PaymentRefusedError,
    ValidationError,
)
from geo_caisse.core.strata import AGE_BANDS
from geo_caisse.core.territory import Territory
from geo_caisse.mona.accounts import Member, member_leaves, register_member, register_members
from geo_caisse.mona.money import from_cents
from geo_caisse.mona.payments import issue_payment_code, pay, reconvert, vendor_payment
from geo_caisse.mona.statements import (
    budget_summary,
    member_balance,
    member_statement,
    verify_ledger,
)
from geo_caisse.mona.treasury import (
    allocate_month,
    record_contribution,
    record_funding,
    record_state_topup,
    reverse,
)
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import AccountRow, PointOfSaleRow, TransferRow
from tests.utils.stores import Store

MONTH = "2026-01"
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@dataclass
class Ledger:
    store: Store
    sessions: sessionmaker[Session]
    territory: Territory
    members: list[Member]
    vendors: list[int]        # conventionnés accepting the Mona
    candidate: int            # a point of sale that is not conventionné

    def code(self, member: int = 0) -> str:
        return issue_payment_code(self.sessions, self.territory,
                                          self.members[member].id, now=NOW).code

    def balance(self, member: int = 0) -> Decimal:
        return member_balance(self.sessions, self.members[member].id)

    def transfers(self) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(TransferRow)) or 0)


@pytest.fixture
def ledger(store: Store, territory: Territory) -> Ledger:
    sessions = writer_sessions(store.engine)
    members = register_members(sessions, [
        dict(joined_on=date(2025, 12, 1), home_cell=(770000 + 200 * i, 6278000),
             income_quartile=1 + i % 4, age_band=AGE_BANDS[i % 3]) for i in range(3)])
    allocate_month(sessions, territory, MONTH)
    with sessions() as s:
        vendors = list(s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id).limit(3)))
        candidate = s.scalar(select(PointOfSaleRow.id).where(
            PointOfSaleRow.status == "candidate").limit(1))
    assert candidate is not None
    return Ledger(store, sessions, territory, members, vendors, candidate)


def test_allocation_is_credited_once_per_member_and_month(ledger: Ledger) -> None:
    assert [ledger.balance(i) for i in range(3)] == [Decimal("100.00")] * 3
    again = allocate_month(ledger.sessions, ledger.territory, MONTH)
    assert (again.credited, again.already_credited) == (0, 3)
    assert ledger.balance() == Decimal("100.00")
    allocate_month(ledger.sessions, ledger.territory, "2026-02")
    assert ledger.balance() == Decimal("200.00")
    assert verify_ledger(ledger.sessions) == []


def test_allocation_killed_midway_then_rerun(ledger: Ledger) -> None:
    class KilledError(Exception):
        pass

    calls = []

    def die_after_first_batch(message: str) -> None:
        calls.append(message)
        raise KilledError(message)

    with pytest.raises(KilledError):
        allocate_month(ledger.sessions, ledger.territory, "2026-03", batch_size=1,
                               progress=die_after_first_batch)
    assert len(calls) == 1
    assert [ledger.balance(i) for i in range(3)] == [Decimal("200.00"), Decimal("100.00"),
                                                     Decimal("100.00")]
    run = allocate_month(ledger.sessions, ledger.territory, "2026-03")
    assert (run.credited, run.already_credited) == (2, 1)
    assert [ledger.balance(i) for i in range(3)] == [Decimal("200.00")] * 3


def test_members_who_left_or_join_later_get_no_allocation(ledger: Ledger) -> None:
    member_leaves(ledger.sessions, ledger.members[1].id, on=date(2026, 1, 20))
    late = register_member(ledger.sessions, ledger.territory,
                                   joined_on=date(2026, 3, 2))
    allocate_month(ledger.sessions, ledger.territory, "2026-02")
    assert ledger.balance(1) == Decimal("100.00")  # January only
    assert member_balance(ledger.sessions, late.id) == Decimal("0.00")
    with pytest.raises(PaymentRefusedError, match="left"):
        issue_payment_code(ledger.sessions, ledger.territory, ledger.members[1].id)


def test_payment_with_a_code_and_what_the_vendor_learns(ledger: Ledger) -> None:
    code = ledger.code()
    receipt = pay(ledger.sessions, code=code, point_of_sale_id=ledger.vendors[0],
                          amount_mona="12.50", idempotency_key="till-1", now=NOW)
    assert receipt.amount_mona == Decimal("12.50") and not receipt.replayed
    assert set(vars(receipt)) == {"payment_id", "event_id", "amount_mona", "vendor_ref",
                                  "occurred_at", "replayed"}  # nothing about the payer
    assert ledger.balance() == Decimal("87.50")
    again = pay(ledger.sessions, code=code, point_of_sale_id=ledger.vendors[0],
                        amount_mona="12.50", idempotency_key="till-1", now=NOW)
    assert again.replayed and again.payment_id == receipt.payment_id
    assert ledger.balance() == Decimal("87.50")
    with pytest.raises(IdempotencyConflictError, match="till-1"):
        pay(ledger.sessions, code=code, point_of_sale_id=ledger.vendors[0],
                    amount_mona="13", idempotency_key="till-1", now=NOW)
    with pytest.raises(PaymentRefusedError, match="already used"):
        pay(ledger.sessions, code=code, point_of_sale_id=ledger.vendors[0],
                    amount_mona="1", now=NOW)
    lines = member_statement(ledger.sessions, ledger.members[0].id)
    assert [(ln.kind, ln.amount_mona) for ln in lines] == [
        ("payment", Decimal("-12.50")), ("allocation", Decimal("100.00"))]


@pytest.mark.parametrize(("amount", "match"), [
    (0.5, "not a float"), ("-3", "positive"), ("0", "positive"), ("1.234", "2 decimals"),
    ("abc", "number"), ("NaN", "positive"), (True, "not a float"),
])
def test_bad_amounts_are_refused(ledger: Ledger, amount: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        pay(ledger.sessions, code=ledger.code(), point_of_sale_id=ledger.vendors[0],
                    amount_mona=amount, now=NOW)


def test_refusals_write_nothing(ledger: Ledger) -> None:
    before = ledger.transfers()
    cases: list[tuple[Callable[[], object], type[GeoCaisseError], str]] = [
        (lambda: pay(ledger.sessions, code=ledger.code(),
                             point_of_sale_id=ledger.candidate, amount_mona="5", now=NOW),
         PaymentRefusedError, "not a conventionné"),
        (lambda: pay(ledger.sessions, code=ledger.code(),
                             point_of_sale_id=ledger.vendors[0], amount_mona="100.01", now=NOW),
         PaymentRefusedError, "balance too low"),
        (lambda: pay(ledger.sessions, code="ZZZZZZZZZZ",
                             point_of_sale_id=ledger.vendors[0], amount_mona="5", now=NOW),
         PaymentRefusedError, "unknown payment code"),
        (lambda: pay(ledger.sessions, code=ledger.code(),
                             point_of_sale_id=ledger.vendors[0], amount_mona="5",
                             now=NOW + timedelta(hours=1)),
         PaymentRefusedError, "expired"),
        (lambda: pay(ledger.sessions, code="short", point_of_sale_id=ledger.vendors[0],
                             amount_mona="5", now=NOW),
         ValidationError, "10 characters"),
        (lambda: pay(ledger.sessions, code=ledger.code(), point_of_sale_id=999999,
                             amount_mona="5", now=NOW),
         NotFoundError, "no point of sale"),
        (lambda: reconvert(ledger.sessions, point_of_sale_id=ledger.vendors[0],
                                   amount_mona="1", now=NOW),
         PaymentRefusedError, "balance too low"),
        (lambda: record_contribution(ledger.sessions, ledger.territory,
                                             member_id=ledger.members[0].id,
                                             amount_eur="151", month=MONTH),
         ValidationError, "between 1 and 150"),
        (lambda: record_funding(ledger.sessions, funder="bank", amount_eur="10",
                                        month=MONTH),
         ValidationError, "funder must be one of"),
    ]
    for call, error, match in cases:
        with pytest.raises(error, match=match):
            call()
    assert ledger.transfers() == before
    assert ledger.balance() == Decimal("100.00")


def test_the_database_itself_holds_the_invariants(ledger: Ledger) -> None:
    """Even SQL that bypasses the code cannot overdraw, edit, delete or mix currencies."""
    pay(ledger.sessions, code=ledger.code(), point_of_sale_id=ledger.vendors[0],
                amount_mona="10", now=NOW)
    with ledger.sessions() as s:
        member = s.scalar(select(AccountRow.id).where(
            AccountRow.member_id == ledger.members[0].id))
        treasury = s.scalar(select(AccountRow.id).where(AccountRow.code == "eur:treasury"))
        event = s.scalar(select(TransferRow.event_id).limit(1))
        vendor = s.scalar(select(AccountRow.id).where(AccountRow.kind == "vendor"))
    insert = ("INSERT INTO ledger_transfer (event_id, kind, currency, debit_account_id, "
              "credit_account_id, amount_cents, occurred_at) VALUES "
              "(:e, :k, :c, :d, :cr, :a, :t)")
    attempts = [
        (insert, dict(e=event, k="payment", c="MONA", d=member, cr=vendor, a=9001, t=NOW)),
        (insert, dict(e=event, k="payment", c="MONA", d=member, cr=treasury, a=1, t=NOW)),
        (insert, dict(e=event, k="payment", c="MONA", d=member, cr=vendor, a=0, t=NOW)),
        ("UPDATE ledger_transfer SET amount_cents = 1", {}),
        ("DELETE FROM ledger_transfer", {}),
        ("DELETE FROM ledger_event", {}),
    ]
    # one statement whose first row overdraws and whose second makes up for it: refused
    # (PostGIS posts per statement but checks the running balance at every row, in order)
    attempts.append((insert + ", (:e, :k, :c, :cr, :d, :a, :t)",
                     dict(e=event, k="adjustment", c="MONA", d=member, cr=vendor, a=9500,
                          t=NOW)))
    if ledger.store.backend == "postgis":
        attempts.append(("TRUNCATE ledger_transfer CASCADE", {}))
    for sql, params in attempts:
        with ledger.store.engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(sql), params)
            conn.commit()
    assert ledger.balance() == Decimal("90.00")
    assert verify_ledger(ledger.sessions) == []


def test_a_failed_writer_hands_the_store_over_at_once(ledger: Ledger) -> None:
    """A writer that fails mid-transaction (here a refused payment) or is rolled back leaves
    the next writer to go on at once, not after the busy timeout (30 s)."""
    for _ in range(3):
        with pytest.raises(PaymentRefusedError):
            pay(ledger.sessions, code=ledger.code(), point_of_sale_id=ledger.vendors[0],
                amount_mona="500", now=NOW)
        with ledger.sessions() as s:
            s.execute(select(func.count()).select_from(TransferRow))
            s.rollback()
    started = time.monotonic()
    pay(ledger.sessions, code=ledger.code(), point_of_sale_id=ledger.vendors[0],
        amount_mona="1", now=NOW)
    assert time.monotonic() - started < 5
    assert verify_ledger(ledger.sessions) == []


def test_reversal_is_the_only_correction(ledger: Ledger) -> None:
    receipt = pay(ledger.sessions, code=ledger.code(),
                          point_of_sale_id=ledger.vendors[0], amount_mona="30", now=NOW)
    reverse(ledger.sessions, receipt.payment_id, reason="wrong amount typed")
    assert ledger.balance() == Decimal("100.00")
    again = reverse(ledger.sessions, receipt.payment_id, reason="wrong amount typed")
    assert ledger.balance() == Decimal("100.00")  # the same correction, applied once
    assert again > 0
    with pytest.raises(ValidationError, match="reason"):
        reverse(ledger.sessions, receipt.payment_id, reason=" ")
    assert verify_ledger(ledger.sessions) == []


def test_euros_contributions_state_topup_and_reconversion(ledger: Ledger) -> None:
    for i, amount in enumerate(("10", "60", "150")):
        record_contribution(ledger.sessions, ledger.territory,
                                    member_id=ledger.members[i].id, amount_eur=amount,
                                    month=MONTH)
    record_contribution(ledger.sessions, ledger.territory,
                                member_id=ledger.members[0].id, amount_eur="10", month=MONTH)
    record_state_topup(ledger.sessions, ledger.territory, month=MONTH)
    record_state_topup(ledger.sessions, ledger.territory, month=MONTH)
    record_funding(ledger.sessions, funder="public", amount_eur="1000", month=MONTH,
                           idempotency_key="metropole-2026-01")
    pay(ledger.sessions, code=ledger.code(), point_of_sale_id=ledger.vendors[0],
                amount_mona="40", now=NOW)
    vendor_payment(ledger.sessions, from_point_of_sale_id=ledger.vendors[0],
                           to_point_of_sale_id=ledger.vendors[1], amount_mona="15", now=NOW)
    reconvert(ledger.sessions, point_of_sale_id=ledger.vendors[0], amount_mona="25",
                      now=NOW, idempotency_key="r1")
    reconvert(ledger.sessions, point_of_sale_id=ledger.vendors[0], amount_mona="25",
                      now=NOW, idempotency_key="r1")
    budget = budget_summary(ledger.sessions)
    assert budget.contributions_eur == Decimal("220.00") and budget.contributors == 3
    assert budget.funding_eur == {"public": Decimal("1000.00"),
                                  "state_topup": Decimal("110.00")}
    assert budget.treasury_eur == Decimal("1305.00")  # 220 + 1110 - 25
    assert budget.mona_issued == Decimal("300.00")
    assert budget.mona_held_by_members == Decimal("260.00")
    assert budget.mona_held_by_vendors == Decimal("15.00")
    assert budget.mona_reconverted == Decimal("25.00")
    assert verify_ledger(ledger.sessions) == []


def test_64_concurrent_payments_never_overspend(ledger: Ledger) -> None:
    codes = [ledger.code() for _ in range(64)]

    def attempt(code: str) -> bool:
        try:
            pay(ledger.sessions, code=code, point_of_sale_id=ledger.vendors[0],
                        amount_mona="7", now=NOW)
            return True
        except PaymentRefusedError:
            return False

    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(attempt, codes))
    assert sum(results) == 14  # 14 x 7 = 98 <= 100 < 105
    assert ledger.balance() == Decimal("2.00")
    assert verify_ledger(ledger.sessions) == []


def test_64_concurrent_retries_of_one_payment_pay_once(ledger: Ledger) -> None:
    code = ledger.code()

    def attempt(_i: int) -> int:
        return pay(ledger.sessions, code=code, point_of_sale_id=ledger.vendors[0],
                           amount_mona="9.99", idempotency_key="retry", now=NOW).payment_id

    with ThreadPoolExecutor(max_workers=64) as pool:
        ids = set(pool.map(attempt, range(64)))
    assert len(ids) == 1
    assert ledger.balance() == Decimal("90.01")


operation = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 6000)),
    st.tuples(st.just("vendor"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 3000)),
    st.tuples(st.just("reconvert"), st.integers(0, 2), st.just(0), st.integers(1, 3000)),
    st.tuples(st.just("allocate"), st.integers(2, 9), st.just(0), st.just(0)),
    st.tuples(st.just("contribute"), st.integers(0, 2), st.just(0), st.integers(100, 15000)),
    st.tuples(st.just("reverse_last"), st.just(0), st.just(0), st.just(0)),
)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_random_sequences_keep_every_invariant(ledger: Ledger,
                                               ops: list[tuple[str, int, int, int]]) -> None:
    """A Python model predicts every outcome; the store agrees and stays balanced."""
    def balances() -> dict[str, int]:
        with ledger.sessions() as s:
            return {c: int(b) for c, b in s.execute(
                select(AccountRow.code, AccountRow.balance_cents))}

    model = balances()
    members = [f"member:{m.pseudonym}" for m in ledger.members]
    with ledger.sessions() as s:
        refs = {i: s.get(PointOfSaleRow, v).ref  # type: ignore[union-attr]
                for i, v in enumerate(ledger.vendors)}
    vendors = [f"vendor:{refs[i]}" for i in range(3)]
    last: list[tuple[int, str, str, int]] = []
    for op, a, b, cents in ops:
        amount = from_cents(cents)
        moves: list[tuple[str, str, int]] = []
        try:
            if op == "pay":
                moves = [(members[a], vendors[b], cents)]
                receipt = pay(ledger.sessions, code=ledger.code(a),
                                      point_of_sale_id=ledger.vendors[b], amount_mona=amount,
                                      now=NOW)
                last.append((receipt.payment_id, members[a], vendors[b], cents))
            elif op == "vendor":
                if a == b:
                    continue
                moves = [(vendors[a], vendors[b], cents)]
                vendor_payment(ledger.sessions, from_point_of_sale_id=ledger.vendors[a],
                                       to_point_of_sale_id=ledger.vendors[b],
                                       amount_mona=amount, now=NOW)
            elif op == "reconvert":
                moves = [(vendors[a], "mona:reconversion", cents),
                         ("eur:treasury", "eur:payout", cents)]
                reconvert(ledger.sessions, point_of_sale_id=ledger.vendors[a],
                                  amount_mona=amount, now=NOW)
            elif op == "allocate":
                month = f"2026-{a:02d}"
                run = allocate_month(ledger.sessions, ledger.territory, month)
                moves = [("mona:issuance", m, 10000) for m in members][:run.credited]
            elif op == "contribute":
                month = f"2027-{len(last) % 12 + 1:02d}"
                amount = from_cents(max(100, min(cents, 15000)))
                moves = [("eur:inflow", "eur:treasury", int(amount * 100))]
                record_contribution(ledger.sessions, ledger.territory,
                                            member_id=ledger.members[a].id, amount_eur=amount,
                                            month=month, idempotency_key=uuid.uuid4().hex)
            elif op == "reverse_last" and last:
                tid, payer, vendor, c = last.pop()
                moves = [(vendor, payer, c)]
                reverse(ledger.sessions, tid, reason="test")
            expected_ok = all(model.get(d, 0) - c >= 0 or d in ("mona:issuance", "eur:inflow")
                              for d, _, c in moves)
            assert expected_ok, f"{op} succeeded but the model says it overdraws"
            for d, cr, c in moves:
                model[d] = model.get(d, 0) - c
                model[cr] = model.get(cr, 0) + c
        except PaymentRefusedError:
            assert not all(model.get(d, 0) - c >= 0 or d in ("mona:issuance", "eur:inflow")
                           for d, _, c in moves), f"{op} refused but it was affordable"
        assert verify_ledger(ledger.sessions) == []
    assert {k: v for k, v in balances().items() if v or k in model} == {
        k: v for k, v in model.items() if v or k in balances()}
