"""Reading the ledger: a member's own balance and statement, the budget, the invariants."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.privacy import MIN_MEMBERS, check_min_members
from geo_caisse.core.territory import Territory
from geo_caisse.mona.money import from_cents, parse_month
from geo_caisse.storage.ledger import (
    TREASURY,
    LedgerRepository,
)
from geo_caisse.storage.models import (
    AccountRow,
    MemberRow,
    TransferRow,
)


@dataclass(frozen=True)
class StatementLine:
    """One line of a member's own statement."""

    transfer_id: int
    kind: str
    amount_mona: Decimal  # positive: received; negative: spent
    counterpart: str
    occurred_at: datetime


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
            # never another member's pseudonym, should a transfer ever join two members
            shown = "member" if other.startswith("member:") else other
            out.append(StatementLine(t.id, t.kind, sign * from_cents(t.amount_cents), shown,
                                     t.occurred_at))
        return out


@dataclass(frozen=True)
class Budget:
    """The caisse's money, in euros and Mona (aggregates only)."""

    contributions_eur: Decimal | None  # None: too few contributors to publish
    contributors: int | None
    funding_eur: dict[str, Decimal]
    treasury_eur: Decimal
    paid_out_eur: Decimal
    mona_issued: Decimal
    mona_held_by_members: Decimal
    mona_held_by_vendors: Decimal
    mona_reconverted: Decimal
    members_active: int | None  # None: too few members to publish
    coverage_ratio: float | None  # treasury / Mona that may still be reconverted
    min_members: int = MIN_MEMBERS


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


def published_budget(sessions: sessionmaker[Session], territory: Territory) -> Budget:
    """The budget as coordinators and the committee see it: whole-ledger totals only (no
    month, so no two budgets can be subtracted), the contributions and the head counts
    withheld below the territory's minimum group."""
    k = check_min_members(territory.caisse.min_members_per_cell)
    b = budget_summary(sessions)
    few_contributors = (b.contributors or 0) < k
    return replace(
        b, min_members=k,
        contributions_eur=None if few_contributors else b.contributions_eur,
        contributors=None if few_contributors else b.contributors,
        members_active=None if (b.members_active or 0) < k else b.members_active)


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
