"""The citizens' committee: seats, and the share of their holders in poverty."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import NotFoundError, ValidationError
from geo_caisse.core.privacy import check_min_members
from geo_caisse.core.territory import Territory
from geo_caisse.storage.models import (
    CommitteeSeatRow,
    MemberRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


def add_committee_seat(sessions: sessionmaker[Session], *, joined_on: date, in_poverty: bool,
                       member_id: int | None = None) -> str:
    """Give a seat on the committee; returns the seat's ref."""
    if not isinstance(in_poverty, bool):
        raise ValidationError(f"in_poverty must be true or false, got {in_poverty!r}")
    with sessions() as session:
        if member_id is not None and session.get(MemberRow, member_id) is None:
            raise NotFoundError(f"no member with id {member_id}")
        row = CommitteeSeatRow(ref="c" + secrets.token_hex(6), joined_on=joined_on,
                               in_poverty=in_poverty, member_id=member_id)
        session.add(row)
        commit_or_conflict(session, "committee seat")
        return row.ref


def leave_committee(sessions: sessionmaker[Session], ref: str, *, on: date) -> None:
    with sessions() as session:
        row = session.scalar(select(CommitteeSeatRow).where(CommitteeSeatRow.ref == ref))
        if row is None:
            raise NotFoundError(f"no committee seat {ref!r}")
        if row.left_on is not None or on < row.joined_on:
            raise ValidationError(f"seat {ref}: already left, or {on} before it was taken")
        row.left_on = on
        commit_or_conflict(session, f"end of committee seat {ref}")


def committee_composition(sessions: sessionmaker[Session], territory: Territory, *,
                          on: date) -> dict[str, Any]:
    """Seats held on ``on`` and the share of their holders in poverty.

    The share is published only when the committee has at least ``min_members_per_cell``
    seats and both groups (in poverty or not) are empty or that large; otherwise it is
    given as withheld, with the reason.
    """
    k = check_min_members(territory.caisse.min_members_per_cell)
    with sessions() as session:
        rows = session.scalars(select(CommitteeSeatRow).where(
            CommitteeSeatRow.joined_on <= on,
            (CommitteeSeatRow.left_on.is_(None)) | (CommitteeSeatRow.left_on > on))).all()
    seats = len(rows)
    poor = sum(1 for r in rows if r.in_poverty)
    ok = seats >= k and all(n == 0 or n >= k for n in (poor, seats - poor))
    return {"on": on.isoformat(), "seats": seats,
            "in_poverty_share": round(poor / seats, 3) if ok else None,
            "withheld": None if ok else
            f"shown when the committee has >= {k} seats and each group 0 or >= {k}"}
