"""Who enters and gets their letter: a referred person admitted directly, the members whose
account is open but who have no login yet, and their invitations in one action.

Members enter three ways: the public draw (:mod:`geo_caisse.enrolment.held`), a replacement
from the waiting list when a member leaves (:mod:`geo_caisse.enrolment.exits`), and a
referral by a social worker or a nomination by the committee, which the coordinators admit
directly (:func:`admit`). The open call enters only by the draw. Whichever way, a
coordinator then issues the invitation letters (:func:`invite_entering`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.auth.invitations import Invitation, add_invitation
from geo_caisse.auth.roles import User
from geo_caisse.core.errors import ConflictError, ForbiddenError, NotFoundError
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.held import open_member
from geo_caisse.mona.accounts import Member, member_of
from geo_caisse.storage.layers import takes_mona_clause
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import (
    InvitationRow,
    MemberRow,
    PointOfSaleRow,
    UserPointOfSaleRow,
    UserRow,
    VolunteerRow,
)
from geo_caisse.storage.transaction import commit_or_conflict

DIRECT = ("referral", "committee")


def admit(sessions: sessionmaker[Session], ref: str, *, by: User, joined_on: date) -> Member:
    """Open the account of a waiting volunteer referred by a social worker or nominated by
    the committee (not the open call, which enters by the draw)."""
    if "enrolment:write" not in by.scopes:
        raise ForbiddenError("only a coordinator admits a referred person")
    with sessions() as session:
        row = session.scalar(select(VolunteerRow).where(VolunteerRow.ref == ref)
                             .with_for_update())
        if row is None:
            raise NotFoundError(f"no volunteer {ref!r}")
        if row.status != "waiting":
            raise ConflictError(f"volunteer {ref} is {row.status}, not waiting")
        if row.channel not in DIRECT:
            raise ConflictError(f"volunteer {ref} came by the open call: they enter by the "
                                "public draw")
        member = open_member(LedgerRepository(session), row, joined_on)
        commit_or_conflict(session, f"admission of {ref}")
        return member_of(member)


@dataclass(frozen=True)
class Entering:
    """A member with an open account and no login yet (what enrolment already holds)."""

    member_id: int
    pseudonym: str
    joined_on: date
    channel: str | None          # how their volunteer entry came (None: registered directly)
    draw_id: int | None
    invitation_waiting: bool


def entering(sessions: sessionmaker[Session], *, draw_id: int | None = None) -> list[Entering]:
    """Active members without a login (of one draw), newest first."""
    with sessions() as session:
        query = (select(MemberRow, VolunteerRow.channel, VolunteerRow.draw_id)
                 .outerjoin(VolunteerRow, VolunteerRow.member_id == MemberRow.id)
                 .outerjoin(UserRow, UserRow.member_id == MemberRow.id)
                 .where(and_(MemberRow.status == "active", UserRow.id.is_(None)))
                 .order_by(MemberRow.joined_on.desc(), MemberRow.id.desc()))
        if draw_id is not None:
            query = query.where(VolunteerRow.draw_id == draw_id)
        rows = session.execute(query).all()
        waiting = set(session.scalars(select(InvitationRow.member_id).where(and_(
            InvitationRow.member_id.is_not(None), InvitationRow.used_at.is_(None),
            InvitationRow.revoked_at.is_(None)))))
        return [Entering(m.id, m.pseudonym, m.joined_on, channel, drawn, m.id in waiting)
                for m, channel, drawn in rows]


def invite_entering(sessions: sessionmaker[Session], territory: Territory, *, by: str,
                    member_ids: Sequence[int] | None = None,
                    draw_id: int | None = None) -> list[Invitation]:
    """Invitations for the members without a login (those of ``member_ids``, or of a draw,
    or all), in one transaction: a letter each, replacing any still waiting."""
    targets = [e.member_id for e in entering(sessions, draw_id=draw_id)]
    if member_ids is not None:
        unknown = sorted(set(member_ids) - set(targets))
        if unknown:
            raise ConflictError(f"member {unknown[0]} is not an active member without a "
                                "login")
        targets = [m for m in targets if m in set(member_ids)]
    with sessions() as session:
        made = [add_invitation(session, territory, by=by, member_id=m) for m in targets]
        commit_or_conflict(session, "invitations")
    return made


@dataclass(frozen=True)
class VendorToInvite:
    point_of_sale_id: int
    name: str
    kind: str
    market_id: int | None
    invitation_waiting: bool


def vendors_without_login(sessions: sessionmaker[Session]) -> list[VendorToInvite]:
    """Conventionnés accepting the MonA that no vendor login cashes at yet, by name."""
    with sessions() as session:
        taken = set(session.scalars(select(UserRow.point_of_sale_id).where(
            UserRow.point_of_sale_id.is_not(None)))) | set(session.scalars(
                select(UserPointOfSaleRow.point_of_sale_id)))
        waiting = set(session.scalars(select(InvitationRow.point_of_sale_id).where(and_(
            InvitationRow.purpose == "vendor", InvitationRow.used_at.is_(None),
            InvitationRow.revoked_at.is_(None)))))
        rows = session.scalars(select(PointOfSaleRow).where(takes_mona_clause())
            .order_by(PointOfSaleRow.name, PointOfSaleRow.id)).all()
        return [VendorToInvite(r.id, r.name, r.kind, r.market_id, r.id in waiting)
                for r in rows if r.id not in taken]
