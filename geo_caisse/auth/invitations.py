"""Getting in without the command line: a coordinator issues an invitation (a one-time code
with an expiry, printed as a letter for people without email); the person enters it at
``/bienvenue`` and chooses a login and a password.

Three purposes: a ``member`` whose account a draw or a referral opened, a ``vendor`` (a
new conventionné: one or several points of sale), a ``reset`` of a login's password. The
code is stored hashed and works once; issuing a new invitation for the same person revokes
the ones still waiting.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.auth.roles import User
from geo_caisse.auth.users import add_user, set_password, user_of
from geo_caisse.core.errors import AuthError, ConflictError, NotFoundError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.storage.models import (
    InvitationRow,
    MemberRow,
    PointOfSaleRow,
    UserRow,
)
from geo_caisse.storage.transaction import commit_or_conflict

#: Crockford's base 32 without look-alikes (as the payment codes): read on paper, typed
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 60 bits, shown as three groups of four


@dataclass(frozen=True)
class Invitation:
    """An issued invitation: ``code`` is shown once (the store keeps only its hash)."""

    id: int
    code: str
    purpose: str
    expires_at: datetime
    member_pseudonym: str | None
    points_of_sale: tuple[str, ...]   # names
    username: str | None              # a reset's login

    @property
    def display_code(self) -> str:
        """``ABCD-EFGH-JKMN``: as printed on the letter."""
        return "-".join(self.code[i:i + 4] for i in range(0, LENGTH, 4))


@dataclass(frozen=True)
class Waiting:
    """An invitation not yet used, as coordinators see it (never its code)."""

    id: int
    purpose: str
    member_id: int | None
    user_id: int | None
    point_of_sale_id: int | None
    created_at: datetime
    expires_at: datetime


def _sha(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(code: object) -> str:
    """Upper case, spaces and dashes removed, look-alikes mapped (O→0, I/L→1)."""
    if not isinstance(code, str):
        raise ValidationError("invitation code must be text")
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        raise ValidationError(f"invitation code must be {LENGTH} letters and digits "
                              "(as printed on the letter)")
    return cleaned


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_invitation(sessions: sessionmaker[Session], territory: Territory, *, by: str,
                     member_id: int | None = None, points_of_sale: Sequence[int] = (),
                     username: str | None = None, now: datetime | None = None) -> Invitation:
    """An invitation for a member (``member_id``), a vendor (``points_of_sale``, its
    first one first) or a new password (``username``): exactly one of the three."""
    with sessions() as session:
        made = add_invitation(session, territory, by=by, member_id=member_id,
                              points_of_sale=points_of_sale, username=username, now=now)
        commit_or_conflict(session, "invitation")
    return made


def add_invitation(session: Session, territory: Territory, *, by: str,
                   member_id: int | None = None, points_of_sale: Sequence[int] = (),
                   username: str | None = None, now: datetime | None = None) -> Invitation:
    """:func:`issue_invitation` inside ``session`` (not committed)."""
    given = [member_id is not None, bool(points_of_sale), username is not None]
    if sum(given) != 1:
        raise ValidationError("an invitation is for a member (member_id), a vendor "
                              "(points_of_sale) or a new password (username): one of them")
    now = now or datetime.now(UTC)
    pseudonym: str | None = None
    names: tuple[str, ...] = ()
    target_user: UserRow | None = None
    if member_id is not None:
        member = session.get(MemberRow, member_id)
        if member is None:
            raise NotFoundError(f"no member with id {member_id}")
        if member.status != "active":
            raise ConflictError("this member has left the caisse: no invitation")
        if session.scalar(select(UserRow.id).where(UserRow.member_id == member_id)):
            raise ConflictError("this member already has a login: reset its password "
                                "instead")
        purpose, pseudonym = "member", member.pseudonym
        same = InvitationRow.member_id == member_id
    elif points_of_sale:
        if len(set(points_of_sale)) != len(points_of_sale):
            raise ValidationError("a point of sale is named twice")
        rows = [session.get(PointOfSaleRow, p) for p in points_of_sale]
        missing = [p for p, r in zip(points_of_sale, rows, strict=True) if r is None]
        if missing:
            raise NotFoundError(f"no point of sale with id {missing[0]}")
        purpose, names = "vendor", tuple(r.name for r in rows if r is not None)
        same = and_(InvitationRow.purpose == "vendor",
                    InvitationRow.point_of_sale_id == points_of_sale[0])
    else:
        target_user = session.scalar(select(UserRow).where(UserRow.username == username))
        if target_user is None:
            raise NotFoundError(f"no login {username!r}")
        purpose = "reset"
        same = InvitationRow.user_id == target_user.id
    # a new letter replaces the ones still waiting for the same person
    session.execute(update(InvitationRow).where(and_(
        same, InvitationRow.used_at.is_(None), InvitationRow.revoked_at.is_(None)))
        .values(revoked_at=now))
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    expires = now + timedelta(days=territory.caisse.invitation_ttl_days)
    row = InvitationRow(code_sha256=_sha(code), purpose=purpose, member_id=member_id,
                        point_of_sale_id=points_of_sale[0] if points_of_sale else None,
                        more_points_of_sale=list(points_of_sale[1:]) or None,
                        user_id=target_user.id if target_user else None, created_by=by,
                        created_at=now, expires_at=expires)
    session.add(row)
    session.flush()
    return Invitation(row.id, code, purpose, expires, pseudonym, names, username)


@dataclass(frozen=True)
class Opened:
    """What an invitation code opens, before the person chooses a password."""

    purpose: str
    username: str | None   # a reset: the login whose password changes


def _valid(session: Session, code: str, now: datetime) -> InvitationRow:
    row = session.scalar(select(InvitationRow).where(
        InvitationRow.code_sha256 == _sha(normalise_code(code))))
    if row is None or row.used_at is not None or row.revoked_at is not None:
        raise AuthError("this invitation code is not valid (unknown, already used or "
                        "replaced by a newer letter)")
    if _aware(row.expires_at) < now:
        raise AuthError("this invitation has expired: ask the caisse for a new letter")
    return row


def read_invitation(sessions: sessionmaker[Session], code: str, *,
                    now: datetime | None = None) -> Opened:
    """What ``code`` is for (the welcome page asks for a login only when one is made)."""
    with sessions() as session:
        row = _valid(session, code, now or datetime.now(UTC))
        user = session.get(UserRow, row.user_id) if row.user_id else None
        return Opened(row.purpose, user.username if user else None)


def accept_invitation(sessions: sessionmaker[Session], code: str, *, password: str,
                      username: str | None = None, now: datetime | None = None) -> User:
    """Use ``code``: make the member's or vendor's login ``username`` with ``password``, or
    give the reset's login its new password (enabling it again: the coordinator who sent
    the letter meant it). All or nothing; the code works once."""
    now = now or datetime.now(UTC)
    with sessions() as session:
        row = _valid(session, code, now)
        if row.purpose == "reset":
            target = session.get(UserRow, row.user_id)
            if target is None:
                raise NotFoundError("the login of this invitation no longer exists")
            if username is not None and username != target.username:
                raise ValidationError(f"this letter resets the password of "
                                      f"{target.username!r}, not of {username!r}")
            set_password(session, target, password)
            target.active = True
        else:
            if not username:
                raise ValidationError("choose a login (letters, digits, '.', '-', '_')")
            places = ([row.point_of_sale_id, *(row.more_points_of_sale or [])]
                      if row.point_of_sale_id is not None else [])
            target = add_user(session, username=username, password=password,
                              role="member" if row.purpose == "member" else "producer",
                              member_id=row.member_id, points_of_sale=places)
        row.used_at = now
        target.last_login_at = now
        user = user_of(session, target)
        commit_or_conflict(session, "invitation")
    return user


def waiting_invitations(sessions: sessionmaker[Session], *,
                        now: datetime | None = None) -> list[Waiting]:
    """Invitations neither used, replaced nor expired (newest first)."""
    now = now or datetime.now(UTC)
    with sessions() as session:
        rows = session.scalars(select(InvitationRow).where(and_(
            InvitationRow.used_at.is_(None), InvitationRow.revoked_at.is_(None)))
            .order_by(InvitationRow.id.desc())).all()
        return [Waiting(r.id, r.purpose, r.member_id, r.user_id, r.point_of_sale_id,
                        _aware(r.created_at), _aware(r.expires_at))
                for r in rows if _aware(r.expires_at) >= now]
