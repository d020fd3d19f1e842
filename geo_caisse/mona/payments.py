"""Paying at the till: one-time payment codes, payments, vendors paying each other, reconversion.

The vendor never learns who pays: a receipt holds the amount, the time and its number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import takes_mona
from geo_caisse.core.errors import (
    NotFoundError,
    PaymentRefusedError,
    ValidationError,
)
from geo_caisse.core.territory import Territory
from geo_caisse.mona._posting import aware, check_key, key_of, post_event, post_transfer, sha256_hex
from geo_caisse.mona.money import from_cents, to_cents
from geo_caisse.storage.ledger import (
    PAYOUT,
    RECONVERSION,
    TREASURY,
    LedgerRepository,
)
from geo_caisse.storage.models import (
    AccountRow,
    EventRow,
    MemberRow,
    PointOfSaleRow,
)
from geo_caisse.storage.transaction import commit_or_conflict

#: Crockford's base 32 without look-alikes: what a member reads out or a till types
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


CODE_LENGTH = 10  # 50 bits


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


def issue_payment_code(sessions: sessionmaker[Session], territory: Territory, member_id: int,
                       *, now: datetime | None = None) -> IssuedCode:
    """A one-time code for the member to show at the till (stored hashed, expires)."""
    now = aware(now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + timedelta(minutes=territory.caisse.payment_code_ttl_min)
    with sessions() as session:
        repo = LedgerRepository(session)
        member = session.get(MemberRow, member_id)
        if member is None:
            raise NotFoundError(f"no member with id {member_id}")
        if member.status != "active":
            raise PaymentRefusedError("this member has left the caisse: no payment code")
        repo.add_code(member_id, sha256_hex(code), expires)
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
    if not takes_mona(pos.status, pos.accepts_mona):
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
    check_key(idempotency_key)
    cleaned = normalise_code(code)
    now = aware(now)
    fingerprint = sha256_hex(f"payment|{point_of_sale_id}|{cents}|{sha256_hex(cleaned)}")
    state: dict[str, str] = {}

    def build(repo: LedgerRepository) -> list[dict[str, Any]]:
        taken = repo.take_code(sha256_hex(cleaned), now)
        if taken is None:
            row = repo.code(sha256_hex(cleaned))
            if row is None:
                raise PaymentRefusedError("unknown payment code")
            raise PaymentRefusedError("this payment code was already used")
        _code_id, _member_id, expires, payer_id, balance = taken
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        if expires < now:
            raise PaymentRefusedError("this payment code has expired")  # rolled back: unused
        ref, vendor_id = _vendor_account(repo, point_of_sale_id)
        if balance < cents:  # the database refuses an overdraft anyway; this says it first
            raise PaymentRefusedError("payment refused: balance too low")
        state["vendor_ref"] = ref
        return [dict(kind="payment", currency="MONA", debit_account_id=payer_id,
                     credit_account_id=vendor_id, amount_cents=cents)]

    def done(event_id: int, rows: list[tuple[int, datetime]]) -> Receipt:
        [(transfer_id, occurred_at)] = rows
        return Receipt(transfer_id, event_id, from_cents(cents), state["vendor_ref"],
                       occurred_at, False)

    return post_event(  # type: ignore[no-any-return]
        sessions, kind="payment", key=key_of("payment", idempotency_key),
        fingerprint=fingerprint, reference=None, occurred_at=now, build=build,
        on_replay=lambda repo, event: _receipt(repo, event, True), on_done=done)


def _vendor_account(repo: LedgerRepository, point_of_sale_id: int) -> tuple[str, int]:
    """The ref and Mona account id of a conventionné accepting the Mona (one query once
    its account is open); refused otherwise."""
    found = repo.vendor_of(point_of_sale_id)
    if found is None:
        raise NotFoundError(f"no point of sale with id {point_of_sale_id}")
    ref, status, accepts, account_id = found
    if not takes_mona(status, accepts):
        raise PaymentRefusedError(
            f"point of sale {ref} is not a conventionné accepting the Mona (status {status})")
    if account_id is None:
        pos = repo.session.get(PointOfSaleRow, point_of_sale_id)
        assert pos is not None
        account_id = repo.open_vendor_account(pos).id
    return ref, account_id


def vendor_payment(sessions: sessionmaker[Session], *, from_point_of_sale_id: int,
                   to_point_of_sale_id: int, amount_mona: object,
                   idempotency_key: str | None = None, now: datetime | None = None) -> int:
    """A conventionné pays another in Mona (a shop buying from a producer)."""
    if from_point_of_sale_id == to_point_of_sale_id:
        raise ValidationError("a vendor cannot pay itself")
    return post_transfer(sessions, kind="vendor_payment", currency="MONA",
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

    return post_transfer(sessions, kind="reconversion", currency="MONA", debit=vendor_account,
                   credit=lambda r: r.account(RECONVERSION), cents=to_cents(amount_mona),
                   idempotency_key=idempotency_key, now=now,
                   reference=f"pos:{point_of_sale_id}",
                   second=("payout", "EUR", TREASURY, PAYOUT))
