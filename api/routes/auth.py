"""Logging in and who is calling."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import JwtSecretDep, LoginDep, SettingsDep, UserDep
from api.errors import responses
from api.schemas.ledger import Me, Token
from geo_caisse.auth.tokens import issue_token

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/token", response_model=Token, responses=responses(401, 413, 422, 429))
def login(user: LoginDep, settings: SettingsDep, secret: JwtSecretDep) -> Token:
    """OAuth2 password flow: a short-lived access token (JWT, HS256).

    Throttled: a few logins per minute from one client, and after a few wrong passwords
    for one account each further one doubles the wait (429, ``Retry-After``)."""
    ttl = settings.api.token_ttl_min
    return Token(access_token=issue_token(user, secret=secret, ttl_min=ttl),
                 role=user.role, expires_in_s=int(ttl * 60))


@router.get("/me", response_model=Me, responses=responses(401))
def me(user: UserDep) -> Me:
    """Who the token says the caller is: role, scopes and their own links."""
    return Me(username=user.username, role=user.role, scopes=list(user.scopes),
              member_id=user.member_id, point_of_sale_id=user.point_of_sale_id,
              points_of_sale=list(user.points_of_sale))
