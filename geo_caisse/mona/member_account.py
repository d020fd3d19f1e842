"""A member's own account, as their space shows it: the balance, this month's allocation and
when the next comes, the contribution paid, and the statement with each point of sale's
name and kind (a market stall with its market) and the balance after each line.

Only ever for the member themself: nothing here aggregates or names another member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import NotFoundError
from geo_caisse.core.territory import Territory
from geo_caisse.mona.money import from_cents, parse_month
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import (
    MarketRow,
    MemberRow,
    PointOfSaleRow,
    TransferRow,
)


@dataclass(frozen=True)
class Line:
    """One line of the member's statement, newest first."""

    transfer_id: int
    kind: str                       # allocation, payment, reversal, …
    amount_mona: Decimal            # positive: received; negative: spent
    balance_after_mona: Decimal
    occurred_at: datetime
    counterpart: str                # the other account's code ("vendor:<ref>", …)
    place_name: str | None          # the point of sale, for a payment or its reversal
    place_kind: str | None
    market_name: str | None         # a market stall's market
    reference: str | None           # an allocation's month (YYYY-MM)
    reverses_kind: str | None       # a reversal: what it cancels


@dataclass(frozen=True)
class MemberAccount:
    pseudonym: str
    joined_on: date
    active: bool
    balance_mona: Decimal
    month: str                       # YYYY-MM: the current month
    allocated_this_month_mona: Decimal
    next_allocation_on: date         # the first day of next month
    monthly_allocation_mona: Decimal
    contribution_this_month_eur: Decimal | None   # None: none recorded this month
    contributions_this_year_eur: Decimal
    statement: list[Line]


def _month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def member_account(sessions: sessionmaker[Session], territory: Territory, member_id: int, *,
                   limit: int = 100, today: date | None = None) -> MemberAccount:
    """The member's own account (``today`` in the territory's time zone by default)."""
    today = today or datetime.now(ZoneInfo(territory.timezone)).date()
    month = _month_of(today)
    start, end = parse_month(month)
    year_start = datetime(today.year, 1, 1, tzinfo=UTC)
    with sessions() as session:
        member = session.get(MemberRow, member_id)
        if member is None:
            raise NotFoundError(f"no member with id {member_id}")
        repo = LedgerRepository(session)
        account = repo.member_account(member_id)
        balance = repo.balance_cents(account.id)
        allocated = session.scalar(select(func.coalesce(func.sum(TransferRow.amount_cents), 0))
                                   .where(and_(TransferRow.kind == "allocation",
                                               TransferRow.credit_account_id == account.id,
                                               TransferRow.occurred_at >= start,
                                               TransferRow.occurred_at < end))) or 0
        this_month, this_year = session.execute(
            select(func.sum(case((TransferRow.occurred_at >= start, TransferRow.amount_cents),
                                 else_=0)),
                   func.sum(TransferRow.amount_cents))
            .where(and_(TransferRow.kind == "contribution", TransferRow.member_id == member_id,
                        TransferRow.occurred_at >= year_start,
                        TransferRow.occurred_at < end))).one()
        lines = _lines(session, repo, account.id, balance, limit)
        nxt = end.date()
        return MemberAccount(
            pseudonym=member.pseudonym, joined_on=member.joined_on,
            active=member.status == "active", balance_mona=from_cents(balance), month=month,
            allocated_this_month_mona=from_cents(int(allocated)), next_allocation_on=nxt,
            monthly_allocation_mona=territory.caisse.monthly_allocation_mona,
            contribution_this_month_eur=(from_cents(int(this_month)) if this_month
                                         else None),
            contributions_this_year_eur=from_cents(int(this_year or 0)),
            statement=lines)


def _lines(session: Session, repo: LedgerRepository, account_id: int, balance: int,
           limit: int) -> list[Line]:
    rows = repo.statement(account_id, limit=limit)
    refs = {code.split(":", 1)[1] for _, code in rows if code.startswith("vendor:")}
    places = {r.ref: r for r in session.scalars(
        select(PointOfSaleRow).where(PointOfSaleRow.ref.in_(refs)))} if refs else {}
    market_ids = {p.market_id for p in places.values() if p.market_id is not None}
    markets = dict(session.execute(select(MarketRow.id, MarketRow.name)
                                   .where(MarketRow.id.in_(market_ids))).all()) \
        if market_ids else {}
    reversed_ids = {t.reverses_id for t, _ in rows if t.reverses_id is not None}
    reversed_kinds = dict(session.execute(select(TransferRow.id, TransferRow.kind)
                                          .where(TransferRow.id.in_(reversed_ids))).all()) \
        if reversed_ids else {}
    out, after = [], balance
    for t, code in rows:
        sign = 1 if t.credit_account_id == account_id else -1
        # never another member's pseudonym, should a transfer ever join two members
        shown = "member" if code.startswith("member:") else code
        place = places.get(code.split(":", 1)[1]) if code.startswith("vendor:") else None
        out.append(Line(
            transfer_id=t.id, kind=t.kind, amount_mona=sign * from_cents(t.amount_cents),
            balance_after_mona=from_cents(after), occurred_at=t.occurred_at, counterpart=shown,
            place_name=place.name if place else None, place_kind=place.kind if place else None,
            market_name=markets.get(place.market_id) if place and place.market_id else None,
            reference=f"{t.occurred_at:%Y-%m}" if t.kind == "allocation" else None,
            reverses_kind=reversed_kinds.get(t.reverses_id) if t.reverses_id else None))
        after -= sign * t.amount_cents
    return out
