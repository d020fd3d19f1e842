"""Dependencies: the store's sessions, the territory, settings and the coordinator check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse._errors import AuthError, ForbiddenError, ValidationError
from geo_caisse.auth import SCOPES_BY_ROLE, User, read_token
from geo_caisse.settings import Settings
from geo_caisse.storage.repositories import BBox
from geo_caisse.territory import Territory


def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions  # type: ignore[no-any-return]


def get_territory(request: Request) -> Territory:
    return request.app.state.territory  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def store_changed(request: Request) -> None:
    """Tell in-memory analyses (walking access) that the points of sale changed."""
    walking = getattr(request.app.state, "walking", None)
    if walking is not None:
        walking.invalidate()


SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
TerritoryDep = Annotated[Territory, Depends(get_territory)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False)


_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


def get_jwt_secret(request: Request) -> str:
    return request.app.state.jwt_secret  # type: ignore[no-any-return]


def current_user(
    settings: SettingsDep,
    secret: Annotated[str, Depends(get_jwt_secret)],
    token: Annotated[str | None, Depends(_oauth2)],
) -> User:
    """The caller: a JWT from ``POST /api/token``, or the static coordinator token."""
    if not token:
        raise AuthError("log in first: Authorization: Bearer <access token from /api/token>")
    static = settings.api.coordinator_token
    if static is not None and static.get_secret_value() and secrets.compare_digest(
            token.encode(), static.get_secret_value().encode()):
        return User("coordinator-token", "coordinator", SCOPES_BY_ROLE["coordinator"])
    if token.count(".") != 2:
        raise AuthError("invalid coordinator token")
    return read_token(token, secret=secret)


UserDep = Annotated[User, Depends(current_user)]


def optional_user(
    settings: SettingsDep,
    secret: Annotated[str, Depends(get_jwt_secret)],
    token: Annotated[str | None, Depends(_oauth2)],
) -> User | None:
    """The caller when a token is given (checked as :func:`current_user` does), else None:
    for routes open to everyone that do more for some roles."""
    return current_user(settings, secret, token) if token else None


OptionalUserDep = Annotated[User | None, Depends(optional_user)]


def require_scope(scope: str) -> object:
    """A dependency allowing only callers whose role carries ``scope``."""
    def check(user: UserDep) -> User:
        if scope not in user.scopes:
            raise ForbiddenError(f"the {user.role} role may not do this (needs {scope})")
        return user

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return Depends(check)


def require_coordinator(
    settings: SettingsDep,
    secret: Annotated[str, Depends(get_jwt_secret)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Coordinator writes: the static ``GEO_CAISSE_COORDINATOR_TOKEN`` or a coordinator's JWT."""
    if credentials is None:
        raise AuthError("a coordinator token is required (Authorization: Bearer …)")
    user = current_user(settings, secret, credentials.credentials)
    if "layers:write" not in user.scopes:
        raise ForbiddenError(f"the {user.role} role may not change the layers")


CoordinatorDep = Annotated[None, Depends(require_coordinator)]


def parse_bbox(value: str | None) -> BBox | None:
    """``"minlon,minlat,maxlon,maxlat"`` in WGS84 degrees, or None."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise ValidationError(f"bbox must be 4 numbers minlon,minlat,maxlon,maxlat, got {value!r}")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise ValidationError(f"bbox must be 4 numbers, got {value!r}") from None
    if not all(map(lambda v: v == v and abs(v) != float("inf"), (minx, miny, maxx, maxy))):
        raise ValidationError(f"bbox must be finite numbers, got {value!r}")
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(
            f"bbox {value!r} is not minlon,minlat,maxlon,maxlat within [-180,180]x[-90,90] "
            "with min <= max"
        )
    return minx, miny, maxx, maxy


def _bbox_query(
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS84)",
                                      examples=["3.86,43.60,3.89,43.62"])] = None,
) -> BBox | None:
    return parse_bbox(bbox)


BBoxDep = Annotated[BBox | None, Depends(_bbox_query)]
