"""The Mona ledger's use cases: members' accounts, the monthly allocation, payments, the budget.

Each function is one transaction that commits once or writes nothing. The ledger is
pseudonymous: a member is a random pseudonym and a 200 m home cell, never a name or an
address (those live in enrolment and can be erased). The database holds the invariants
(``storage/migrations/versions/0002_ledger.py``): debits equal credits, no overdraft but
on an issuance account, append-only transfers, unique idempotency keys.

Kinds of transfer (``classify`` in :mod:`geo_caisse.flows` uses them)::

    allocation      mona:issuance      -> member          the monthly Mona, once per month
    payment         member             -> vendor          at the till, with a payment code
    vendor_payment  vendor             -> vendor          a shop buying from a producer
    reconversion    vendor             -> mona:reconversion   Mona turned back into euros,
    payout          eur:treasury       -> eur:payout          ...paid out in the same event
    contribution    eur:inflow         -> eur:treasury    a member's monthly contribution
    funding         eur:inflow         -> eur:treasury    public, foundation, state top-up
    reversal        mirror of a transfer (the only correction)
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse._errors import (
    ConflictError,
    IdempotencyConflictError,
    NotFoundError,
    PaymentRefusedError,
    ValidationError,
)
from geo_caisse.crs import check_lon_lat, lonlat_to_metric
from geo_caisse.domain import Status
from geo_caisse.services import commit_or_conflict
from geo_caisse.storage.ledger import (
    EUR_INFLOW,
    ISSUANCE,
    PAYOUT,
    RECONVERSION,
    TREASURY,
    LedgerRepository,
    member_code,
)
from geo_caisse.storage.models import (
    AccountRow,
    EventRow,
    MemberRow,
    PointOfSaleRow,
    TransferRow,
)
from geo_caisse.territory import Territory

Progress = Callable[[str], None]
CENT = Decimal("0.01")
HOME_CELL_M = 200
AGE_BANDS = ("<30", "30-60", ">60")
FUNDERS = ("public", "foundation", "state_topup", "other")
#: Crockford's base 32 without look-alikes: what a member reads out or a till types
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits


def _quiet(_message: str) -> None:
    pass


# --- money --------------------------------------------------------------------------------

def to_cents(amount: object, *, name: str = "amount_mona", low: Decimal | None = None,
             high: Decimal | None = None) -> int:
    """Integer cents of a positive amount with at most 2 decimals (``Decimal``, str or int).

    >>> to_cents("12.5")
    1250
    >>> to_cents("0.001")
    Traceback (most recent call last):
    ...
    geo_caisse._errors.ValidationError: amount_mona has more than 2 decimals: '0.001'
    """
    if isinstance(amount, bool | float):
        raise ValidationError(
            f"{name} must be a decimal string or integer, not a float: {amount!r}")
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValidationError(f"{name} must be a number, got {amount!r}") from None
    if not value.is_finite() or value <= 0:
        raise ValidationError(f"{name} must be a positive amount, got {amount!r}")
    if value != value.quantize(CENT):
        raise ValidationError(f"{name} has more than 2 decimals: {amount!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValidationError(f"{name} must be between {low} and {high}, got {value}")
    if value > Decimal("1000000"):
        raise ValidationError(f"{name} is implausibly large: {value}")
    return int(value * 100)


def from_cents(cents: int) -> Decimal:
    """The ``Decimal`` amount of integer cents: ``from_cents(1250) == Decimal("12.50")``."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def parse_month(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → its first instant and the next month's first instant (UTC)."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise ValidationError(f"month must be YYYY-MM, got {month!r}") from None
    nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, nxt


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValidationError("timestamps must carry a timezone")
    return moment


def _ref_of(kind: str, key: str | None) -> str | None:
    return None if key is None else f"{kind}:{key}"


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 120:
        raise ValidationError("idempotency_key must be 1 to 120 characters")


# --- results ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    """A member as the ledger sees them."""

    id: int
    pseudonym: str
    status: str
    joined_on: date
    left_on: date | None
    home_cell_x_m: int | None
    home_cell_y_m: int | None
    neighbourhood_code: str | None
    income_quartile: int | None
    age_band: str | None
    synthetic: bool


def _member(row: MemberRow) -> Member:
    return Member(row.id, row.pseudonym, row.status, row.joined_on, row.left_on,
                  row.home_cell_x_m, row.home_cell_y_m, row.neighbourhood_code,
                  row.income_quartile, row.age_band, bool(row.synthetic))


@dataclass(frozen=True)
class IssuedCode:
    """A one-time payment code: shown by the member, typed or scanned by the vendor."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Receipt:
    """What a vendor learns of a payment: never who paid, nor their balance."""

    payment_id: int
    event_id: int
    amount_mona: Decimal
    vendor_ref: str
    occurred_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class StatementLine:
    """One line of a member's own statement."""

    transfer_id: int
    kind: str
    amount_mona: Decimal  # positive: received; negative: spent
    counterpart: str
    occurred_at: datetime


@dataclass(frozen=True)
class AllocationRun:
    """What one run of the monthly allocation did."""

    month: str
    credited: int
    already_credited: int
    amount_mona: Decimal


# --- members --------------------------------------------------------------------------------

def home_cell(territory: Territory, *, lon: float, lat: float) -> tuple[int, int]:
    """The lower-left corner (metres, the territory's metric CRS) of the home's 200 m cell."""
    check_lon_lat(lon, lat, name="home")
    territory.check_inside(lon, lat, name="home")
    x, y = lonlat_to_metric([lon], [lat], metric_crs=territory.metric_crs)
    return (int(x[0] // HOME_CELL_M * HOME_CELL_M), int(y[0] // HOME_CELL_M * HOME_CELL_M))


def register_member(sessions: sessionmaker[Session], territory: Territory, *, joined_on: date,
                    home_lon: float | None = None, home_lat: float | None = None,
                    neighbourhood_code: str | None = None, income_quartile: int | None = None,
                    age_band: str | None = None, synthetic: bool = False,
                    pseudonym: str | None = None) -> Member:
    """Open a member's account. The home is kept only as its 200 m cell."""
    cell = None
    if (home_lon is None) != (home_lat is None):
        raise ValidationError("give both home_lon and home_lat, or neither")
    if home_lon is not None and home_lat is not None:
        cell = home_cell(territory, lon=home_lon, lat=home_lat)
    return register_members(sessions, [dict(
        joined_on=joined_on, home_cell=cell, neighbourhood_code=neighbourhood_code,
        income_quartile=income_quartile, age_band=age_band, synthetic=synthetic,
        pseudonym=pseudonym)])[0]


def _member_row(spec: dict[str, Any]) -> MemberRow:
    quartile, band = spec.get("income_quartile"), spec.get("age_band")
    if quartile is not None and (isinstance(quartile, bool) or quartile not in (1, 2, 3, 4)):
        raise ValidationError(f"income_quartile must be 1, 2, 3 or 4, got {quartile!r}")
    if band is not None and band not in AGE_BANDS:
        raise ValidationError(f"age_band must be one of {', '.join(AGE_BANDS)}, got {band!r}")
    joined = spec["joined_on"]
    if not isinstance(joined, date):
        raise ValidationError(f"joined_on must be a date, got {joined!r}")
    cell = spec.get("home_cell")
    return MemberRow(
        pseudonym=spec.get("pseudonym") or "m" + secrets.token_hex(8), status="active",
        joined_on=joined, home_cell_x_m=None if cell is None else int(cell[0]),
        home_cell_y_m=None if cell is None else int(cell[1]),
        neighbourhood_code=spec.get("neighbourhood_code"), income_quartile=quartile,
        age_band=band, synthetic=bool(spec.get("synthetic", False)))


def register_members(sessions: sessionmaker[Session],
                     specs: list[dict[str, Any]]) -> list[Member]:
    """Open several members' accounts in one transaction (``home_cell`` already computed)."""
    rows = [_member_row(s) for s in specs]
    with sessions() as session:
        repo = LedgerRepository(session)
        for row in rows:
            repo.add_member(row)
        commit_or_conflict(session, "member registration")
        return [_member(r) for r in rows]


def member_leaves(sessions: sessionmaker[Session], member_id: int, *, on: date) -> Member:
    """Record a member's exit: no allocation after the month of ``on``; the account stays."""
    with sessions() as session:
        row = session.get(MemberRow, member_id)
        if row is None:
            raise NotFoundError(f"no member with id {member_id}")
        if on < row.joined_on:
            raise ValidationError(f"left_on {on} is before joined_on {row.joined_on}")
        row.status, row.left_on = "left", on
        commit_or_conflict(session, f"exit of member {member_id}")
        return _member(row)


def list_members(sessions: sessionmaker[Session]) -> list[Member]:
    with sessions() as session:
        return [_member(r) for r in session.scalars(select(MemberRow).order_by(MemberRow.id))]


# --- transactions -------------------------------------------------------------------------

def _refusal(exc: IntegrityError) -> str | None:
    text = str(exc.orig)
    if "no_overdraft" in text:
        return "balance too low"
    if "append-only" in text or "reversal must" in text:
        return text.splitlines()[0]
    return None


def _replay(repo: LedgerRepository, key: str, fingerprint: str) -> EventRow | None:
    event = repo.event_by_key(key)
    if event is None:
        return None
    if event.fingerprint != fingerprint:
        raise IdempotencyConflictError(
            f"idempotency key {key.split(':', 1)[1]!r} was already used for a different request")
    return event


def _post(sessions: sessionmaker[Session], *, kind: str, key: str | None, fingerprint: str,
          reference: str | None, occurred_at: datetime,
          build: Callable[[LedgerRepository], list[dict[str, Any]]],
          on_replay: Callable[[LedgerRepository, EventRow], Any],
          on_done: Callable[[LedgerRepository, EventRow, list[int]], Any],
          before_commit: Callable[[LedgerRepository], None] | None = None) -> Any:
    """One event and its transfers in one transaction, applied once per idempotency key."""
    for _attempt in range(2):
        with sessions() as session:
            repo = LedgerRepository(session)
            if key is not None:
                event = _replay(repo, key, fingerprint)
                if event is not None:
                    return on_replay(repo, event)
            try:
                transfers = build(repo)
            except PaymentRefusedError:
                if key is None:
                    raise
                session.rollback()  # a concurrent request with the same key may have won
                event = _replay(repo, key, fingerprint)
                if event is None:
                    raise
                return on_replay(repo, event)
            try:
                [event_id] = repo.add_events([dict(
                    kind=kind, idempotency_key=key, fingerprint=fingerprint,
                    reference=reference, occurred_at=occurred_at,
                    recorded_at=datetime.now(UTC))])
                ids = repo.add_transfers([{**t, "event_id": event_id,
                                           "occurred_at": occurred_at} for t in transfers])
                if before_commit is not None:
                    before_commit(repo)
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                reason = _refusal(exc)
                if reason is not None:
                    raise PaymentRefusedError(f"{kind} refused: {reason}") from None
                if key is not None and "idempotency_key" in str(exc.orig):
                    continue  # a concurrent request with the same key won: replay it
                raise ConflictError(f"{kind}: the store refused it ({exc.orig})") from exc
            event_row = session.get(EventRow, event_id)
            assert event_row is not None
            return on_done(repo, event_row, ids)
    raise ConflictError(f"{kind}: concurrent requests with idempotency key {key!r}")


def issue_payment_code(sessions: sessionmaker[Session], territory: Territory, member_id: int,
                       *, now: datetime | None = None) -> IssuedCode:
    """A one-time code for the member to show at the till (stored hashed, expires)."""
    now = _aware(now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + timedelta(minutes=territory.caisse.payment_code_ttl_min)
    with sessions() as session:
        repo = LedgerRepository(session)
        member = session.get(MemberRow, member_id)
        if member is None:
            raise NotFoundError(f"no member with id {member_id}")
        if member.status != "active":
            raise PaymentRefusedError("this member has left the caisse: no payment code")
        repo.add_code(member_id, _sha(code), expires)
        commit_or_conflict(session, "payment code")
    return IssuedCode(code, expires)


def normalise_code(code: str) -> str:
    """Upper case, spaces and dashes removed, look-alikes mapped (O→0, I/L→1)."""
    if not isinstance(code, str):
        raise ValidationError("payment code must be a string")
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        raise ValidationError(f"payment code must be {CODE_LENGTH} characters of "
                              f"{CODE_ALPHABET}")
    return cleaned


def _vendor(repo: LedgerRepository, point_of_sale_id: int) -> tuple[PointOfSaleRow, AccountRow]:
    pos = repo.session.get(PointOfSaleRow, point_of_sale_id)
    if pos is None:
        raise NotFoundError(f"no point of sale with id {point_of_sale_id}")
    if pos.status != Status.CONVENTIONNE.value or not pos.accepts_mona:
        raise PaymentRefusedError(
            f"point of sale {pos.ref} is not a conventionné accepting the Mona "
            f"(status {pos.status})")
    return pos, repo.open_vendor_account(pos)


def _receipt(repo: LedgerRepository, event: EventRow, replayed: bool) -> Receipt:
    [transfer] = repo.transfers_of_event(event.id)
    vendor = repo.session.get(AccountRow, transfer.credit_account_id)
    assert vendor is not None
    return Receipt(transfer.id, event.id, from_cents(transfer.amount_cents),
                   vendor.code.split(":", 1)[1], transfer.occurred_at, replayed)


def pay(sessions: sessionmaker[Session], *, code: str, point_of_sale_id: int,
        amount_mona: object, idempotency_key: str | None = None,
        now: datetime | None = None) -> Receipt:
    """A member pays a conventionné with a one-time code; the vendor never learns who.

    Refused (:class:`PaymentRefusedError`, nothing written) unless the code is valid,
    unused and unexpired, the vendor is conventionné and accepts the Mona, and the
    member's balance covers the amount. With an ``idempotency_key`` a retried call
    returns the first receipt (``replayed=True``) and pays nothing more.
    """
    cents = to_cents(amount_mona)
    _check_key(idempotency_key)
    cleaned = normalise_code(code)
    now = _aware(now)
    fingerprint = _sha(f"payment|{point_of_sale_id}|{cents}|{_sha(cleaned)}")
    state: dict[str, int] = {}

    def build(repo: LedgerRepository) -> list[dict[str, Any]]:
        row = repo.code(_sha(cleaned))
        if row is None:
            raise PaymentRefusedError("unknown payment code")
        if row.used_at is not None:
            raise PaymentRefusedError("this payment code was already used")
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(
            tzinfo=UTC)
        if expires < now:
            raise PaymentRefusedError("this payment code has expired")
        _, vendor = _vendor(repo, point_of_sale_id)
        payer = repo.member_account(row.member_id)
        if repo.balance_cents(payer.id) < cents:
            raise PaymentRefusedError("payment refused: balance too low")
        state["code_id"] = row.id
        return [dict(kind="payment", currency="MONA", debit_account_id=payer.id,
                     credit_account_id=vendor.id, amount_cents=cents)]

    def use_code(repo: LedgerRepository) -> None:
        if not repo.use_code(state["code_id"], now):
            raise PaymentRefusedError("this payment code was already used")

    return _post(  # type: ignore[no-any-return]
        sessions, kind="payment", key=_ref_of("payment", idempotency_key),
        fingerprint=fingerprint, reference=None, occurred_at=now, build=build,
        on_replay=lambda repo, event: _receipt(repo, event, True),
        on_done=lambda repo, event, _ids: _receipt(repo, event, False),
        before_commit=use_code)


def _simple(sessions: sessionmaker[Session], *, kind: str, debit: Callable[[LedgerRepository],
            AccountRow], credit: Callable[[LedgerRepository], AccountRow], cents: int,
            currency: str, idempotency_key: str | None, now: datetime | None,
            reference: str | None = None, extra: dict[str, Any] | None = None,
            second: tuple[str, str, str, str] | None = None) -> int:
    """Post one transfer (and an optional mirror leg in the other currency); its event id."""
    _check_key(idempotency_key)
    moment = _aware(now)
    fingerprint = _sha(f"{kind}|{cents}|{currency}|{reference}|{sorted((extra or {}).items())}")

    def build(repo: LedgerRepository) -> list[dict[str, Any]]:
        legs = [dict(kind=kind, currency=currency, debit_account_id=debit(repo).id,
                     credit_account_id=credit(repo).id, amount_cents=cents, **(extra or {}))]
        if second is not None:
            leg_kind, leg_currency, from_code, to_code = second
            legs.append(dict(kind=leg_kind, currency=leg_currency,
                             debit_account_id=repo.account(from_code).id,
                             credit_account_id=repo.account(to_code).id, amount_cents=cents))
        return legs

    return _post(  # type: ignore[no-any-return]
        sessions, kind=kind, key=_ref_of(kind, idempotency_key), fingerprint=fingerprint,
        reference=reference, occurred_at=moment, build=build,
        on_replay=lambda _repo, event: event.id,
        on_done=lambda _repo, event, _ids: event.id)


def vendor_payment(sessions: sessionmaker[Session], *, from_point_of_sale_id: int,
                   to_point_of_sale_id: int, amount_mona: object,
                   idempotency_key: str | None = None, now: datetime | None = None) -> int:
    """A conventionné pays another in Mona (a shop buying from a producer)."""
    if from_point_of_sale_id == to_point_of_sale_id:
        raise ValidationError("a vendor cannot pay itself")
    return _simple(sessions, kind="vendor_payment", currency="MONA",
                   debit=lambda r: _vendor(r, from_point_of_sale_id)[1],
                   credit=lambda r: _vendor(r, to_point_of_sale_id)[1],
                   cents=to_cents(amount_mona), idempotency_key=idempotency_key, now=now,
                   reference=f"{from_point_of_sale_id}->{to_point_of_sale_id}")


def reconvert(sessions: sessionmaker[Session], *, point_of_sale_id: int, amount_mona: object,
              idempotency_key: str | None = None, now: datetime | None = None) -> int:
    """A vendor turns Mona back into euros (1 Mona = 1 €), paid from the treasury.

    Refused when the vendor's Mona or the caisse's euros do not cover it.
    """
    def vendor_account(repo: LedgerRepository) -> AccountRow:
        pos = repo.session.get(PointOfSaleRow, point_of_sale_id)
        if pos is None:
            raise NotFoundError(f"no point of sale with id {point_of_sale_id}")
        return repo.open_vendor_account(pos)  # a suspended vendor may still reconvert

    return _simple(sessions, kind="reconversion", currency="MONA", debit=vendor_account,
                   credit=lambda r: r.account(RECONVERSION), cents=to_cents(amount_mona),
                   idempotency_key=idempotency_key, now=now,
                   reference=f"pos:{point_of_sale_id}",
                   second=("payout", "EUR", TREASURY, PAYOUT))


def record_contribution(sessions: sessionmaker[Session], territory: Territory, *,
                        member_id: int, amount_eur: object, month: str,
                        idempotency_key: str | None = None) -> int:
    """A member's contribution for ``month`` (once per member and month)."""
    rules = territory.caisse
    cents = to_cents(amount_eur, name="amount_eur", low=rules.contribution_min_eur,
                     high=rules.contribution_max_eur)
    start, _ = parse_month(month)

    def member_check(repo: LedgerRepository) -> AccountRow:
        repo.member_account(member_id)  # NotFoundError for an unknown member
        return repo.account(EUR_INFLOW)

    return _simple(sessions, kind="contribution", currency="EUR", debit=member_check,
                   credit=lambda r: r.account(TREASURY), cents=cents,
                   idempotency_key=idempotency_key or f"{month}:{member_id}", now=start,
                   reference=month, extra={"member_id": member_id})


def record_funding(sessions: sessionmaker[Session], *, funder: str, amount_eur: object,
                   month: str, idempotency_key: str | None = None) -> int:
    """Euros from outside the members: ``public``, ``foundation``, ``state_topup``, ``other``."""
    if funder not in FUNDERS:
        raise ValidationError(f"funder must be one of {', '.join(FUNDERS)}, got {funder!r}")
    start, _ = parse_month(month)
    return _simple(sessions, kind="funding", currency="EUR",
                   debit=lambda r: r.account(EUR_INFLOW), credit=lambda r: r.account(TREASURY),
                   cents=to_cents(amount_eur, name="amount_eur"),
                   idempotency_key=idempotency_key, now=start, reference=month,
                   extra={"funder": funder})


def record_state_topup(sessions: sessionmaker[Session], territory: Territory, *,
                       month: str) -> int | None:
    """The state's top-up of ``month``'s contributions (``state_topup_share``), once."""
    start, end = parse_month(month)
    with sessions() as session:
        total = session.scalar(select(func.coalesce(func.sum(TransferRow.amount_cents), 0))
                               .where(and_(TransferRow.kind == "contribution",
                                           TransferRow.occurred_at >= start,
                                           TransferRow.occurred_at < end))) or 0
    cents = int(Decimal(int(total)) * territory.caisse.state_topup_share)
    if cents <= 0:
        return None
    return record_funding(sessions, funder="state_topup", amount_eur=from_cents(cents),
                          month=month, idempotency_key=f"state_topup:{month}")


def reverse(sessions: sessionmaker[Session], transfer_id: int, *, reason: str,
            idempotency_key: str | None = None, now: datetime | None = None) -> int:
    """Correct a transfer by its mirror (the only correction the ledger allows)."""
    if not reason.strip():
        raise ValidationError("a reversal needs a reason")
    with sessions() as session:
        original = LedgerRepository(session).transfer(transfer_id)
        debit, credit = original.credit_account_id, original.debit_account_id
        cents, currency = original.amount_cents, original.currency
    return _simple(sessions, kind="reversal", currency=currency,
                   debit=lambda r: r.session.get(AccountRow, debit),  # type: ignore[arg-type,return-value]
                   credit=lambda r: r.session.get(AccountRow, credit),  # type: ignore[arg-type,return-value]
                   cents=cents, idempotency_key=idempotency_key or f"of:{transfer_id}",
                   now=now, reference=reason[:200], extra={"reverses_id": transfer_id})


def allocate_month(sessions: sessionmaker[Session], territory: Territory, month: str, *,
                   batch_size: int = 500, progress: Progress = _quiet) -> AllocationRun:
    """Credit the monthly Mona to every member active in ``month``, exactly once each.

    Safe to run twice or after being killed midway: each member's credit carries the key
    ``allocation:<month>:<member id>``, unique in the database; batches commit one by one.
    """
    start, end = parse_month(month)
    cents = to_cents(territory.caisse.monthly_allocation_mona)
    prefix = f"allocation:{month}:"
    with sessions() as session:
        active = session.execute(
            select(MemberRow.id, AccountRow.id).join(AccountRow,
                                                     AccountRow.member_id == MemberRow.id)
            .where(and_(MemberRow.joined_on < end.date(),
                        or_(MemberRow.left_on.is_(None), MemberRow.left_on >= start.date())))
            .order_by(MemberRow.id)).all()
        done = LedgerRepository(session).keys_like(prefix)
    todo = [(m, a) for m, a in active if f"{prefix}{m}" not in done]
    credited = 0
    for first in range(0, len(todo), batch_size):
        batch = todo[first:first + batch_size]
        with sessions() as session:
            repo = LedgerRepository(session)
            fresh_done = repo.keys_like(prefix)  # another run may have gone ahead
            batch = [(m, a) for m, a in batch if f"{prefix}{m}" not in fresh_done]
            issuance = repo.account(ISSUANCE).id
            now = datetime.now(UTC)
            ids = repo.add_events([dict(kind="allocation", idempotency_key=f"{prefix}{m}",
                                        fingerprint=_sha(f"allocation|{month}|{m}|{cents}"),
                                        reference=month, occurred_at=start, recorded_at=now)
                                   for m, _ in batch])
            repo.add_transfers([dict(event_id=e, kind="allocation", currency="MONA",
                                     debit_account_id=issuance, credit_account_id=a,
                                     amount_cents=cents, occurred_at=start)
                                for e, (_, a) in zip(ids, batch, strict=True)], ids=False)
            commit_or_conflict(session, f"allocation of {month}")
        credited += len(batch)
        progress(f"allocation {month}: {credited + len(done):,}/{len(active):,} members")
    return AllocationRun(month, credited, len(active) - credited, from_cents(cents))


# --- reading ------------------------------------------------------------------------------

def member_balance(sessions: sessionmaker[Session], member_id: int) -> Decimal:
    with sessions() as session:
        repo = LedgerRepository(session)
        return from_cents(repo.balance_cents(repo.member_account(member_id).id))


def member_statement(sessions: sessionmaker[Session], member_id: int, *,
                     limit: int = 100) -> list[StatementLine]:
    """The member's own latest movements (for the member only)."""
    with sessions() as session:
        repo = LedgerRepository(session)
        account = repo.member_account(member_id)
        out = []
        for t, other in repo.statement(account.id, limit=limit):
            sign = 1 if t.credit_account_id == account.id else -1
            out.append(StatementLine(t.id, t.kind, sign * from_cents(t.amount_cents), other,
                                     t.occurred_at))
        return out


def member_by_pseudonym(sessions: sessionmaker[Session], pseudonym: str) -> Member:
    with sessions() as session:
        row = session.scalar(select(MemberRow).where(MemberRow.pseudonym == pseudonym))
        if row is None:
            raise NotFoundError(f"no member {pseudonym!r}")
        return _member(row)


@dataclass(frozen=True)
class Budget:
    """The caisse's money, in euros and Mona (aggregates only)."""

    contributions_eur: Decimal
    contributors: int
    funding_eur: dict[str, Decimal]
    treasury_eur: Decimal
    paid_out_eur: Decimal
    mona_issued: Decimal
    mona_held_by_members: Decimal
    mona_held_by_vendors: Decimal
    mona_reconverted: Decimal
    members_active: int
    coverage_ratio: float | None  # treasury / Mona that may still be reconverted


def budget_summary(sessions: sessionmaker[Session], *, month: str | None = None) -> Budget:
    """Contributions, funding, treasury, Mona issued, held and reconverted (whole ledger, or
    flows of ``month`` for the flow figures; balances are always current)."""
    with sessions() as session:
        when: ColumnElement[bool] = TransferRow.id.is_not(None)
        if month is not None:
            start, end = parse_month(month)
            when = and_(TransferRow.occurred_at >= start, TransferRow.occurred_at < end)
        sums = dict(session.execute(
            select(TransferRow.kind, func.sum(TransferRow.amount_cents))
            .where(when).group_by(TransferRow.kind)).all())
        funders = dict(session.execute(
            select(TransferRow.funder, func.sum(TransferRow.amount_cents))
            .where(and_(when, TransferRow.kind == "funding")).group_by(TransferRow.funder)).all())
        contributors = session.scalar(
            select(func.count(func.distinct(TransferRow.member_id)))
            .where(and_(when, TransferRow.kind == "contribution"))) or 0
        balances = dict(session.execute(
            select(AccountRow.kind, func.sum(AccountRow.balance_cents))
            .group_by(AccountRow.kind)).all())
        treasury = session.scalar(select(AccountRow.balance_cents)
                                  .where(AccountRow.code == TREASURY)) or 0
        active = session.scalar(select(func.count()).select_from(MemberRow)
                                .where(MemberRow.status == "active")) or 0
    outstanding = int(balances.get("member", 0) or 0) + int(balances.get("vendor", 0) or 0)
    return Budget(
        contributions_eur=from_cents(int(sums.get("contribution", 0) or 0)),
        contributors=int(contributors),
        funding_eur={str(f): from_cents(int(v or 0)) for f, v in sorted(funders.items())},
        treasury_eur=from_cents(int(treasury)),
        paid_out_eur=from_cents(int(sums.get("payout", 0) or 0)),
        mona_issued=from_cents(int(sums.get("allocation", 0) or 0)),
        mona_held_by_members=from_cents(int(balances.get("member", 0) or 0)),
        mona_held_by_vendors=from_cents(int(balances.get("vendor", 0) or 0)),
        mona_reconverted=from_cents(int(sums.get("reconversion", 0) or 0)),
        members_active=int(active),
        coverage_ratio=None if outstanding == 0 else round(int(treasury) / outstanding, 4),
    )


def verify_ledger(sessions: sessionmaker[Session]) -> list[str]:
    """Every broken invariant, in words (empty for a sound ledger)."""
    problems = []
    with sessions() as session:
        repo = LedgerRepository(session)
        for code, stored, posted in repo.posted_vs_stored():
            problems.append(f"{code}: stored balance {stored} cents, transfers sum to {posted}")
        for currency, total in repo.balance_sums().items():
            if total != 0:
                problems.append(f"{currency}: balances sum to {total} cents, not 0")
        for code in repo.negative_accounts():
            problems.append(f"{code}: negative balance")
    return problems


__all__ = [
    "AllocationRun",
    "Budget",
    "IssuedCode",
    "Member",
    "Receipt",
    "StatementLine",
    "allocate_month",
    "budget_summary",
    "from_cents",
    "home_cell",
    "issue_payment_code",
    "list_members",
    "member_balance",
    "member_by_pseudonym",
    "member_code",
    "member_leaves",
    "member_statement",
    "normalise_code",
    "parse_month",
    "pay",
    "reconvert",
    "record_contribution",
    "record_funding",
    "record_state_topup",
    "register_member",
    "register_members",
    "reverse",
    "to_cents",
    "vendor_payment",
    "verify_ledger",
]
