"""A vendor's till: where it cashes, today's takings, the month's receipts, its balance, and
its requests to turn MonA back into euros, which a coordinator approves (the ledger then
posts the reconversion) or refuses.

Nothing here names or locates a payer: a receipt is an amount, a time and a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import takes_mona
from geo_caisse.core.errors import ConflictError, NotFoundError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.mona.money import from_cents, to_cents
from geo_caisse.mona.payments import reconvert
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import (
    MarketRow,
    PointOfSaleRow,
    ReconversionRequestRow,
    TransferRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


@dataclass(frozen=True)
class Place:
    """A point of sale a vendor cashes at."""

    id: int
    ref: str
    name: str
    kind: str
    market_name: str | None
    takes_mona: bool


@dataclass(frozen=True)
class TillReceipt:
    number: int          # the payment's number (as on the receipt the vendor showed)
    amount_mona: Decimal
    occurred_at: datetime


@dataclass(frozen=True)
class Request:
    id: int
    point_of_sale_id: int
    point_of_sale_name: str
    amount_mona: Decimal
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class TillSummary:
    place: Place
    balance_mona: Decimal
    pending_reconversion_mona: Decimal     # asked, not yet decided
    available_mona: Decimal                # what may still be asked
    today: date
    today_mona: Decimal
    today_payments: int
    month: str
    month_mona: Decimal
    receipts: list[TillReceipt]            # the month's, newest first
    requests: list[Request]                # this point of sale's, newest first


def places(sessions: sessionmaker[Session], ids: tuple[int, ...]) -> list[Place]:
    """The points of sale ``ids`` (in that order), with their market's name."""
    with sessions() as session:
        return [_place(session, i) for i in ids]


def _place(session: Session, pos_id: int) -> Place:
    pos = session.get(PointOfSaleRow, pos_id)
    if pos is None:
        raise NotFoundError(f"no point of sale with id {pos_id}")
    market = session.get(MarketRow, pos.market_id) if pos.market_id else None
    return Place(pos.id, pos.ref, pos.name, pos.kind, market.name if market else None,
                 takes_mona(pos.status, pos.accepts_mona))


def _local_day(territory: Territory, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(territory.timezone)
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)


def till_summary(sessions: sessionmaker[Session], territory: Territory, point_of_sale_id: int,
                 *, today: date | None = None, receipts: int = 200) -> TillSummary:
    """What the till shows for one point of sale (``today`` in the territory's time)."""
    tz = ZoneInfo(territory.timezone)
    today = today or datetime.now(tz).date()
    day_start, day_end = _local_day(territory, today)
    month_start, _ = _local_day(territory, today.replace(day=1))
    with sessions() as session:
        place = _place(session, point_of_sale_id)
        repo = LedgerRepository(session)
        pos = session.get(PointOfSaleRow, point_of_sale_id)
        assert pos is not None
        account = repo.open_vendor_account(pos)
        session.commit()  # the vendor account, opened on first use
        balance = repo.balance_cents(account.id)
        paid = (TransferRow.kind == "payment") & (TransferRow.credit_account_id == account.id)
        today_sum, today_n = session.execute(
            select(func.coalesce(func.sum(TransferRow.amount_cents), 0), func.count())
            .where(and_(paid, TransferRow.occurred_at >= day_start,
                        TransferRow.occurred_at < day_end))).one()
        month_rows = session.execute(
            select(TransferRow.id, TransferRow.amount_cents, TransferRow.occurred_at)
            .where(and_(paid, TransferRow.occurred_at >= month_start,
                        TransferRow.occurred_at < day_end))
            .order_by(TransferRow.occurred_at.desc(), TransferRow.id.desc())).all()
        requests = _requests(session, ReconversionRequestRow.point_of_sale_id ==
                             point_of_sale_id)
    pending = sum((r.amount_mona for r in requests if r.status == "pending"), Decimal("0"))
    balance_mona = from_cents(balance)
    return TillSummary(
        place=place, balance_mona=balance_mona, pending_reconversion_mona=pending,
        available_mona=max(balance_mona - pending, Decimal("0.00")), today=today,
        today_mona=from_cents(int(today_sum)), today_payments=int(today_n),
        month=f"{today:%Y-%m}", month_mona=from_cents(sum(int(r[1]) for r in month_rows)),
        receipts=[TillReceipt(r[0], from_cents(r[1]), r[2]) for r in month_rows[:receipts]],
        requests=requests)


def _requests(session: Session, where: object) -> list[Request]:
    rows = session.execute(
        select(ReconversionRequestRow, PointOfSaleRow.name)
        .join(PointOfSaleRow, PointOfSaleRow.id == ReconversionRequestRow.point_of_sale_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(ReconversionRequestRow.id.desc())).all()
    return [Request(r.id, r.point_of_sale_id, name, from_cents(r.amount_cents), r.status,
                    r.requested_by, r.requested_at, r.decided_by, r.decided_at, r.note)
            for r, name in rows]


def request_reconversion(sessions: sessionmaker[Session], *, point_of_sale_id: int,
                         amount_mona: object, by: str) -> Request:
    """Ask to turn ``amount_mona`` back into euros: refused above what the vendor holds
    less what it has already asked."""
    cents = to_cents(amount_mona)
    with sessions() as session:
        pos = session.get(PointOfSaleRow, point_of_sale_id)
        if pos is None:
            raise NotFoundError(f"no point of sale with id {point_of_sale_id}")
        repo = LedgerRepository(session)
        held = repo.balance_cents(repo.open_vendor_account(pos).id)
        asked = session.scalar(select(func.coalesce(func.sum(
            ReconversionRequestRow.amount_cents), 0)).where(and_(
                ReconversionRequestRow.point_of_sale_id == point_of_sale_id,
                ReconversionRequestRow.status == "pending"))) or 0
        if cents > held - int(asked):
            raise ValidationError(
                f"amount_mona {from_cents(cents)} is more than can be reconverted "
                f"({from_cents(max(held - int(asked), 0))}: the balance less the requests "
                "waiting)")
        row = ReconversionRequestRow(point_of_sale_id=point_of_sale_id, amount_cents=cents,
                                     status="pending", requested_by=by,
                                     requested_at=datetime.now(UTC))
        session.add(row)
        commit_or_conflict(session, "reconversion request")
        return _requests(session, ReconversionRequestRow.id == row.id)[0]


def reconversion_requests(sessions: sessionmaker[Session], *,
                          status: str | None = "pending") -> list[Request]:
    """Requests of ``status`` (every request with None), newest first."""
    if status not in (None, "pending", "approved", "refused"):
        raise ValidationError("status must be pending, approved or refused")
    with sessions() as session:
        where = (ReconversionRequestRow.id.is_not(None) if status is None
                 else ReconversionRequestRow.status == status)
        return _requests(session, where)


def _pending(session: Session, request_id: int) -> ReconversionRequestRow:
    row = session.get(ReconversionRequestRow, request_id)
    if row is None:
        raise NotFoundError(f"no reconversion request with id {request_id}")
    if row.status != "pending":
        raise ConflictError(f"reconversion request {request_id} was already {row.status}")
    return row


def approve_reconversion(sessions: sessionmaker[Session], request_id: int, *, by: str,
                         note: str | None = None) -> Request:
    """Post the reconversion in the ledger (MonA back to the caisse, euros paid out of the
    treasury), then mark the request approved. Safe to retry: the ledger posts it once."""
    with sessions() as session:
        row = _pending(session, request_id)
        pos_id, cents = row.point_of_sale_id, row.amount_cents
    event = reconvert(sessions, point_of_sale_id=pos_id, amount_mona=from_cents(cents),
                      idempotency_key=f"request-{request_id}")
    return _decide(sessions, request_id, "approved", by=by, note=note, event_id=event)


def refuse_reconversion(sessions: sessionmaker[Session], request_id: int, *, by: str,
                        note: str | None = None) -> Request:
    return _decide(sessions, request_id, "refused", by=by, note=note, event_id=None)


def _decide(sessions: sessionmaker[Session], request_id: int, status: str, *, by: str,
            note: str | None, event_id: int | None) -> Request:
    if note is not None and len(note) > 1000:
        raise ValidationError("note must be at most 1000 characters")
    with sessions() as session:
        row = _pending(session, request_id)
        row.status, row.decided_by, row.decided_at = status, by, datetime.now(UTC)
        row.note, row.event_id = note, event_id
        commit_or_conflict(session, "reconversion request")
        return _requests(session, ReconversionRequestRow.id == request_id)[0]
