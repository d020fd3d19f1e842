"""Short-lived signed access tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from geo_caisse.auth.roles import SCOPES_BY_ROLE, User
from geo_caisse.core.errors import AuthError

ALGORITHM = "HS256"


def issue_token(user: User, *, secret: str, ttl_min: float, now: datetime | None = None) -> str:
    """A signed access token valid ``ttl_min`` minutes."""
    import jwt  # with the cryptography it probes for: at the first login, not at start-up

    moment = now or datetime.now(UTC)
    claims: dict[str, Any] = {"sub": user.username, "role": user.role,
                              "scope": " ".join(user.scopes), "iat": moment,
                              "exp": moment + timedelta(minutes=ttl_min)}
    if user.member_id is not None:
        claims["mid"] = user.member_id
    if user.points_of_sale:
        claims["pos"] = list(user.points_of_sale)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str) -> User:
    """The user a token speaks for; :class:`AuthError` if it is forged, expired or odd."""
    import jwt

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
    pos = claims.get("pos") or []
    if isinstance(pos, int):
        pos = [pos]
    if not isinstance(pos, list) or not all(isinstance(p, int) for p in pos):
        raise AuthError("invalid access token (points of sale)")
    return User(str(claims["sub"]), role, SCOPES_BY_ROLE[role], claims.get("mid"), tuple(pos))
