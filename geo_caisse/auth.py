"""People who log in: roles, password hashes (scrypt) and short-lived JWT access tokens.

Roles and what their tokens carry as scopes::

    member       ledger:self                 own balance, statement, payment codes
    producer     ledger:vendor flows:own     take payments, own point of sale's demand
    committee    flows:read budget:read enrolment:read      aggregates, the draw's list
    coordinator  flows:read budget:read layers:write ledger:admin enrolment:read
                 enrolment:write              draws, exits, targeting
    admin        every scope

A member's user links to their ledger pseudonym, a producer's to one point of sale;
neither the token nor any aggregate reveals another member.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse._errors import AuthError, ConflictError, NotFoundError, ValidationError
from geo_caisse.storage.models import MemberRow, PointOfSaleRow, UserRow

ROLES = ("member", "producer", "committee", "coordinator", "admin")
SCOPES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "member": ("ledger:self",),
    "producer": ("ledger:vendor", "flows:own"),
    "committee": ("flows:read", "budget:read", "enrolment:read"),
    "coordinator": ("flows:read", "budget:read", "layers:write", "ledger:admin",
                    "enrolment:read", "enrolment:write"),
    "admin": ("ledger:self", "ledger:vendor", "flows:own", "flows:read", "budget:read",
              "layers:write", "ledger:admin", "enrolment:read", "enrolment:write"),
}
ALGORITHM = "HS256"
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


@dataclass(frozen=True)
class User:
    """Who is calling, as a token says."""

    username: str
    role: str
    scopes: tuple[str, ...]
    member_id: int | None = None
    point_of_sale_id: int | None = None


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < 10:
        raise ValidationError("password must be at least 10 characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


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


def issue_token(user: User, *, secret: str, ttl_min: float, now: datetime | None = None) -> str:
    """A signed access token valid ``ttl_min`` minutes."""
    moment = now or datetime.now(UTC)
    claims: dict[str, Any] = {"sub": user.username, "role": user.role,
                              "scope": " ".join(user.scopes), "iat": moment,
                              "exp": moment + timedelta(minutes=ttl_min)}
    if user.member_id is not None:
        claims["mid"] = user.member_id
    if user.point_of_sale_id is not None:
        claims["pos"] = user.point_of_sale_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str) -> User:
    """The user a token speaks for; :class:`AuthError` if it is forged, expired or odd."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "role"]})
    except jwt.ExpiredSignatureError:
        raise AuthError("the access token has expired: log in again") from None
    except jwt.InvalidTokenError as exc:
        raise AuthError(f"invalid access token ({exc})") from None
    role = claims.get("role")
    if role not in SCOPES_BY_ROLE:
        raise AuthError("invalid access token (unknown role)")
    return User(str(claims["sub"]), role, SCOPES_BY_ROLE[role], claims.get("mid"),
                claims.get("pos"))


__all__ = ["ROLES", "SCOPES_BY_ROLE", "User", "authenticate", "check_password", "create_user",
           "hash_password", "issue_token", "read_token"]
