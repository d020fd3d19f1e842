"""A member's exit, and the next volunteer of the same stratum entering in their place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

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
                nxt.replaced_member_id = row.id
        commit_or_conflict(session, f"exit of member {member_id}")
        return Exit(member_of(row), None if new is None else member_of(new), ref)


@dataclass(frozen=True)
class ExitSeen:
    """An exit as the coordinators see it: pseudonyms and a volunteer ref, no identity."""

    member_pseudonym: str
    left_on: date
    replacement_pseudonym: str | None
    replacement_ref: str | None
    replacement_draw_id: int | None   # the draw whose waiting order called them


def recent_exits(sessions: sessionmaker[Session], *, limit: int = 50) -> list[ExitSeen]:
    """The latest exits, newest first, each with who entered in its place (if anyone)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationError(f"limit must be an integer in 1-1000, got {limit!r}")
    entered = aliased(MemberRow)
    with sessions() as session:
        rows = session.execute(
            select(MemberRow.pseudonym, MemberRow.left_on, entered.pseudonym, VolunteerRow.ref,
                   VolunteerRow.draw_id)
            .outerjoin(VolunteerRow, VolunteerRow.replaced_member_id == MemberRow.id)
            .outerjoin(entered, entered.id == VolunteerRow.member_id)
            .where(MemberRow.status == "left")
            .order_by(MemberRow.left_on.desc(), MemberRow.id.desc()).limit(limit)).all()
        return [ExitSeen(str(p), left_on or date.min, new, ref, drawn)
                for p, left_on, new, ref, drawn in rows]
