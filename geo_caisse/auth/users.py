"""People who log in: creating a user, checking a password."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.auth.passwords import check_password, hash_password
from geo_caisse.auth.roles import ROLES, SCOPES_BY_ROLE, User
from geo_caisse.core.errors import AuthError, ConflictError, NotFoundError, ValidationError
from geo_caisse.storage.models import MemberRow, PointOfSaleRow, UserRow


def create_user(sessions: sessionmaker[Session], *, username: str, password: str, role: str,
                member_id: int | None = None, point_of_sale_id: int | None = None) -> User:
    """Add a user; a member needs ``member_id``, a producer ``point_of_sale_id``."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not username or len(username) > 80 or not username.replace("-", "").replace(
            "_", "").replace(".", "").replace("@", "").isalnum():
        raise ValidationError("username must be 1-80 letters, digits, '.', '-', '_' or '@'")
    if (role == "member") != (member_id is not None):
        raise ValidationError("a member user needs member_id (and only a member has one)")
    if (role == "producer") != (point_of_sale_id is not None):
        raise ValidationError("a producer user needs point_of_sale_id (and only a producer)")
    hashed = hash_password(password)
    with sessions() as session:
        if member_id is not None and session.get(MemberRow, member_id) is None:
            raise NotFoundError(f"no member with id {member_id}")
        if point_of_sale_id is not None and session.get(PointOfSaleRow,
                                                        point_of_sale_id) is None:
            raise NotFoundError(f"no point of sale with id {point_of_sale_id}")
        session.add(UserRow(username=username, password_hash=hashed, role=role,
                            member_id=member_id, point_of_sale_id=point_of_sale_id))
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ConflictError(f"user {username!r} already exists") from exc
    return User(username, role, SCOPES_BY_ROLE[role], member_id, point_of_sale_id)


def authenticate(sessions: sessionmaker[Session], username: str, password: str) -> User:
    with sessions() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
    # hash anyway so a wrong username costs the same time as a wrong password
    ok = check_password(password, row.password_hash if row else
                        "scrypt$00000000000000000000000000000000$00")
    if row is None or not ok or not row.active:
        raise AuthError("wrong username or password")
    return User(row.username, row.role, SCOPES_BY_ROLE[row.role], row.member_id,
                row.point_of_sale_id)
