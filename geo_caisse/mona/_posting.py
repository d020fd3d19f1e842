"""Posting an event and its transfers once per idempotency key, in one transaction.

The database holds the invariants (``storage/migrations/versions/0002_ledger.py``): debits
equal credits, no overdraft but on an issuance account, append-only transfers, unique
idempotency keys. A refusal by the database becomes a :class:`PaymentRefusedError`; a
concurrent request with the same key is replayed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import (
    ConflictError,
    IdempotencyConflictError,
    PaymentRefusedError,
    ValidationError,
)
from geo_caisse.storage.ledger import (
    LedgerRepository,
)
from geo_caisse.storage.models import (
    AccountRow,
    EventRow,
)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValidationError("timestamps must carry a timezone")
    return moment


def key_of(kind: str, key: str | None) -> str | None:
    return None if key is None else f"{kind}:{key}"


def check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 120:
        raise ValidationError("idempotency_key must be 1 to 120 characters")


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


def post_event(sessions: sessionmaker[Session], *, kind: str, key: str | None, fingerprint: str,
          reference: str | None, occurred_at: datetime,
          build: Callable[[LedgerRepository], list[dict[str, Any]]],
          on_replay: Callable[[LedgerRepository, EventRow], Any],
          on_done: Callable[[int, list[tuple[int, datetime]]], Any]) -> Any:
    """One event and its transfers in one transaction, applied once per idempotency key.

    The first attempt does not look the key up: a retried request meets the key's unique
    constraint (or its used code) and is replayed then, so that a first request, by far
    the commonest, costs no extra query. ``on_done`` gets the event's id and each
    transfer's id and time.
    """
    for attempt in range(3):
        with sessions() as session:
            repo = LedgerRepository(session)
            if key is not None and attempt > 0:
                event = _replay(repo, key, fingerprint)
                if event is not None:
                    return on_replay(repo, event)
            try:
                transfers = build(repo)
            except PaymentRefusedError:
                if key is None:
                    raise
                session.rollback()  # a concurrent or earlier request with the key may have won
                event = _replay(repo, key, fingerprint)
                if event is None:
                    raise
                return on_replay(repo, event)
            try:
                event_id, rows = repo.add_event_with_transfers(
                    dict(kind=kind, idempotency_key=key, fingerprint=fingerprint,
                         reference=reference, occurred_at=occurred_at,
                         recorded_at=datetime.now(UTC)),
                    [{**t, "occurred_at": occurred_at} for t in transfers])
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                if key is not None and _replay(repo, key, fingerprint) is not None:
                    continue  # a concurrent request with the same key won: replay it
                reason = _refusal(exc)
                if reason is not None:
                    raise PaymentRefusedError(f"{kind} refused: {reason}") from None
                if key is not None and "idempotency_key" in str(exc.orig):
                    continue
                raise ConflictError(f"{kind}: the store refused it ({exc.orig})") from exc
            return on_done(event_id, rows)
    raise ConflictError(f"{kind}: concurrent requests with idempotency key {key!r}")


def post_transfer(sessions: sessionmaker[Session], *, kind: str, debit: Callable[[LedgerRepository],
            AccountRow], credit: Callable[[LedgerRepository], AccountRow], cents: int,
            currency: str, idempotency_key: str | None, now: datetime | None,
            reference: str | None = None, extra: dict[str, Any] | None = None,
            second: tuple[str, str, str, str] | None = None) -> int:
    """Post one transfer (and an optional mirror leg in the other currency); its event id."""
    check_key(idempotency_key)
    moment = aware(now)
    extras = sorted((extra or {}).items())
    fingerprint = sha256_hex(f"{kind}|{cents}|{currency}|{reference}|{extras}")

    def build(repo: LedgerRepository) -> list[dict[str, Any]]:
        legs = [dict(kind=kind, currency=currency, debit_account_id=debit(repo).id,
                     credit_account_id=credit(repo).id, amount_cents=cents, **(extra or {}))]
        if second is not None:
            leg_kind, leg_currency, from_code, to_code = second
            legs.append(dict(kind=leg_kind, currency=leg_currency,
                             debit_account_id=repo.account(from_code).id,
                             credit_account_id=repo.account(to_code).id, amount_cents=cents))
        return legs

    return post_event(  # type: ignore[no-any-return]
        sessions, kind=kind, key=key_of(kind, idempotency_key), fingerprint=fingerprint,
        reference=reference, occurred_at=moment, build=build,
        on_replay=lambda _repo, event: event.id,
        on_done=lambda event_id, _rows: event_id)
