"""A member's exit, and the next volunteer of the same stratum entering in their place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import NotFoundError, ValidationError
from geo_caisse.enrolment.held import open_member
from geo_caisse.mona.accounts import Member, member_of
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import (
    MemberRow,
    VolunteerRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


@dataclass(frozen=True)
class Exit:
    """A member's exit and who entered from the waiting list in their place."""

    left: Member
    replacement: Member | None
    replacement_ref: str | None


def member_exit(sessions: sessionmaker[Session], member_id: int, *, on: date,
                replace: bool = True) -> Exit:
    """Record a member's exit and, with ``replace``, call the first volunteer of the same
    stratum on the waiting list (lowest rank; then the earliest registered)."""
    with sessions() as session:
        row = session.get(MemberRow, member_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no member with id {member_id}")
        if row.status == "left":
            raise ValidationError(f"member {member_id} already left on {row.left_on}")
        if on < row.joined_on:
            raise ValidationError(f"left_on {on} is before joined_on {row.joined_on}")
        row.status, row.left_on = "left", on
        new, ref = None, None
        if replace and row.income_quartile is not None and row.age_band is not None:
            nxt = session.scalar(
                select(VolunteerRow).where(
                    VolunteerRow.status == "waiting",
                    VolunteerRow.income_quartile == row.income_quartile,
                    VolunteerRow.age_band == row.age_band)
                .order_by(VolunteerRow.waiting_rank.is_(None), VolunteerRow.waiting_rank,
                          VolunteerRow.registered_on, VolunteerRow.id)
                .limit(1).with_for_update())
            if nxt is not None:
                new, ref = open_member(LedgerRepository(session), nxt, on), nxt.ref
        commit_or_conflict(session, f"exit of member {member_id}")
        return Exit(member_of(row), None if new is None else member_of(new), ref)
