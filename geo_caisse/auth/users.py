"""People who log in: creating a user, checking a password, the accounts coordinators manage.

A coordinator sees of an account what enrolment already holds: the login, its role, the
member's pseudonym or the vendor's points of sale, whether it is active, when it was made
and last used, and whether an invitation is waiting. Never a name, an address, a payment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.auth.passwords import check_new_password, check_password, hash_password
from geo_caisse.auth.roles import ROLES, SCOPES_BY_ROLE, User
from geo_caisse.core.errors import AuthError, ConflictError, NotFoundError, ValidationError
from geo_caisse.storage.models import (
    MemberRow,
    PointOfSaleRow,
    UserPointOfSaleRow,
    UserRow,
)
from geo_caisse.storage.transaction import commit_or_conflict

USERNAME_RULE = "login must be 1-80 letters, digits, '.', '-', '_' or '@'"


def check_username(username: object) -> str:
    if not isinstance(username, str) or not username or len(username) > 80 or \
            not username.replace("-", "").replace("_", "").replace(".", "").replace(
                "@", "").isalnum():
        raise ValidationError(USERNAME_RULE)
    return username


def points_of_sale_of(session: Session, row: UserRow) -> tuple[int, ...]:
    """A vendor's points of sale, its first one first."""
    if row.point_of_sale_id is None:
        return ()
    more = session.scalars(select(UserPointOfSaleRow.point_of_sale_id)
                           .where(UserPointOfSaleRow.user_id == row.id)
                           .order_by(UserPointOfSaleRow.point_of_sale_id)).all()
    return (row.point_of_sale_id, *[p for p in more if p != row.point_of_sale_id])


def user_of(session: Session, row: UserRow) -> User:
    return User(row.username, row.role, SCOPES_BY_ROLE[row.role], row.member_id,
                points_of_sale_of(session, row))


def add_user(session: Session, *, username: str, password: str, role: str,
             member_id: int | None = None, points_of_sale: Sequence[int] = ()) -> UserRow:
    """Add a user in ``session`` (not committed): checks every rule, then the row."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_username(username)
    if (role == "member") != (member_id is not None):
        raise ValidationError("a member user needs member_id (and only a member has one)")
    if (role == "producer") != bool(points_of_sale):
        raise ValidationError("a producer user needs a point of sale (and only a producer)")
    if len(set(points_of_sale)) != len(points_of_sale):
        raise ValidationError("a point of sale is named twice")
    check_new_password(password, username=username)
    if member_id is not None and session.get(MemberRow, member_id) is None:
        raise NotFoundError(f"no member with id {member_id}")
    for pos in points_of_sale:
        if session.get(PointOfSaleRow, pos) is None:
            raise NotFoundError(f"no point of sale with id {pos}")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise ConflictError(f"login {username!r} is already taken: choose another")
    if member_id is not None and session.scalar(
            select(UserRow.id).where(UserRow.member_id == member_id)) is not None:
        raise ConflictError("this member already has a login")
    row = UserRow(username=username, password_hash=hash_password(password), role=role,
                  member_id=member_id,
                  point_of_sale_id=points_of_sale[0] if points_of_sale else None,
                  created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    session.add_all(UserPointOfSaleRow(user_id=row.id, point_of_sale_id=p)
                    for p in points_of_sale[1:])
    return row


def create_user(sessions: sessionmaker[Session], *, username: str, password: str, role: str,
                member_id: int | None = None, point_of_sale_id: int | None = None,
                points_of_sale: Sequence[int] = ()) -> User:
    """Add a user; a member needs ``member_id``, a producer its point(s) of sale."""
    places = tuple(points_of_sale) or ((point_of_sale_id,) if point_of_sale_id else ())
    with sessions() as session:
        row = add_user(session, username=username, password=password, role=role,
                       member_id=member_id, points_of_sale=places)
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ConflictError(f"login {username!r} is already taken: choose another") \
                from exc
        return user_of(session, row)


def authenticate(sessions: sessionmaker[Session], username: str, password: str) -> User:
    with sessions() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        # hash anyway so a wrong username costs the same time as a wrong password
        ok = check_password(password, row.password_hash if row else
                            "scrypt$00000000000000000000000000000000$00")
        if row is None or not ok:
            raise AuthError("wrong username or password")
        if not row.active:
            raise AuthError("this account is disabled: ask the caisse's coordinators")
        row.last_login_at = datetime.now(UTC)
        user = user_of(session, row)
        commit_or_conflict(session, "login")
    return user


def set_password(session: Session, row: UserRow, password: str) -> None:
    """Give ``row`` a new password (checked), in ``session``."""
    check_new_password(password, username=row.username)
    row.password_hash = hash_password(password)


def set_active(sessions: sessionmaker[Session], username: str, active: bool) -> None:
    """Disable (or enable again) a login; a disabled login cannot log in."""
    with sessions() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise NotFoundError(f"no login {username!r}")
        row.active = active
        commit_or_conflict(session, f"login {username}")


@dataclass(frozen=True)
class Account:
    """What a coordinator sees of a login (nothing enrolment does not already hold)."""

    username: str
    role: str
    active: bool
    member_pseudonym: str | None
    points_of_sale: tuple[tuple[int, str], ...]   # (id, name)
    created_at: datetime | None
    last_login_at: datetime | None


def accounts(sessions: sessionmaker[Session], *, role: str | None = None) -> list[Account]:
    """Every login (of ``role``), by role then login."""
    if role is not None and role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    with sessions() as session:
        query = select(UserRow).order_by(UserRow.role, UserRow.username)
        if role is not None:
            query = query.where(UserRow.role == role)
        rows = session.scalars(query).all()
        names = dict(session.execute(select(PointOfSaleRow.id, PointOfSaleRow.name)).all())
        pseudonyms = dict(session.execute(select(MemberRow.id, MemberRow.pseudonym)).all())
        return [Account(r.username, r.role, r.active,
                        pseudonyms.get(r.member_id) if r.member_id else None,
                        tuple((p, names.get(p, "?")) for p in points_of_sale_of(session, r)),
                        r.created_at, r.last_login_at) for r in rows]
