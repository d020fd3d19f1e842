"""The caisse's money in and out: the monthly allocation, contributions, funding, reversals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import (
    ValidationError,
)
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.core.territory import Territory
from geo_caisse.mona._posting import post_transfer, sha256_hex
from geo_caisse.mona.money import FUNDERS, from_cents, parse_month, to_cents
from geo_caisse.storage.ledger import (
    EUR_INFLOW,
    ISSUANCE,
    TREASURY,
    LedgerRepository,
)
from geo_caisse.storage.models import (
    AccountRow,
    MemberRow,
    TransferRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


@dataclass(frozen=True)
class AllocationRun:
    """What one run of the monthly allocation did."""

    month: str
    credited: int
    already_credited: int
    amount_mona: Decimal


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

    return post_transfer(sessions, kind="contribution", currency="EUR", debit=member_check,
                   credit=lambda r: r.account(TREASURY), cents=cents,
                   idempotency_key=idempotency_key or f"{month}:{member_id}", now=start,
                   reference=month, extra={"member_id": member_id})


def record_funding(sessions: sessionmaker[Session], *, funder: str, amount_eur: object,
                   month: str, idempotency_key: str | None = None) -> int:
    """Euros from outside the members: ``public``, ``foundation``, ``state_topup``, ``other``."""
    if funder not in FUNDERS:
        raise ValidationError(f"funder must be one of {', '.join(FUNDERS)}, got {funder!r}")
    start, _ = parse_month(month)
    return post_transfer(sessions, kind="funding", currency="EUR",
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
    return post_transfer(sessions, kind="reversal", currency=currency,
                   debit=lambda r: r.session.get(AccountRow, debit),  # type: ignore[arg-type,return-value]
                   credit=lambda r: r.session.get(AccountRow, credit),  # type: ignore[arg-type,return-value]
                   cents=cents, idempotency_key=idempotency_key or f"of:{transfer_id}",
                   now=now, reference=reason[:200], extra={"reverses_id": transfer_id})


def allocate_month(sessions: sessionmaker[Session], territory: Territory, month: str, *,
                   batch_size: int = 500, progress: Progress = quiet) -> AllocationRun:
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
                                        fingerprint=sha256_hex(f"allocation|{month}|{m}|{cents}"),
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
