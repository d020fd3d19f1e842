"""Getting in over HTTP: coordinators issue invitation letters, admit referred people and
manage logins; a person uses their letter's code at ``/bienvenue``.

Coordinators (``accounts:write``) see of a login only what enrolment already holds. The
welcome routes are public: a code is the only key, works once and expires.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request, Response

from api.deps import (
    AccountsWriterDep,
    EnrolmentWriterDep,
    JwtSecretDep,
    SessionsDep,
    SettingsDep,
    TerritoryDep,
    WriterDep,
    throttled,
)
from api.errors import responses
from api.schemas.accounts import (
    USERNAME,
    AccountOut,
    AccountPatch,
    AccountsOut,
    AdmitIn,
    EnteringInvitationsIn,
    EnteringOut,
    InvitationIn,
    InvitationOut,
    InvitationsOut,
    VendorToInviteOut,
    WelcomeCheckIn,
    WelcomeCheckOut,
    WelcomeIn,
)
from api.schemas.ledger import Token
from geo_caisse.auth.invitations import (
    Invitation,
    accept_invitation,
    issue_invitation,
    read_invitation,
)
from geo_caisse.auth.letters import invitation_letters_pdf
from geo_caisse.auth.tokens import issue_token
from geo_caisse.auth.users import accounts, set_active
from geo_caisse.core.errors import ConflictError
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.entries import (
    admit,
    entering,
    invite_entering,
    vendors_without_login,
)

router = APIRouter(prefix="/api", tags=["accounts"])
Username = Annotated[str, Path(pattern=USERNAME)]


def _issued(made: Sequence[Invitation], territory: Territory, request: Request,
            response: Response) -> InvitationsOut:
    response.headers["Cache-Control"] = "no-store"
    pdf = invitation_letters_pdf(made, territory, base_url=str(request.base_url),
                                 now=datetime.now(UTC)) if made else None
    return InvitationsOut(
        invitations=[InvitationOut(id=i.id, purpose=i.purpose, code=i.display_code,
                                   expires_at=i.expires_at,
                                   member_pseudonym=i.member_pseudonym,
                                   points_of_sale=list(i.points_of_sale), username=i.username)
                     for i in made],
        letters_pdf_base64=base64.b64encode(pdf).decode() if pdf else None)


@router.get("/accounts", response_model=AccountsOut, responses=responses(401, 403))
def list_accounts(sessions: SessionsDep, _user: AccountsWriterDep) -> AccountsOut:
    """Every login, the members without one yet, the conventionnés no login cashes at."""
    return AccountsOut(
        accounts=[AccountOut(username=a.username, role=a.role, active=a.active,
                             member_pseudonym=a.member_pseudonym,
                             points_of_sale=[name for _, name in a.points_of_sale],
                             created_at=a.created_at, last_login_at=a.last_login_at)
                  for a in accounts(sessions)],
        entering=[EnteringOut.model_validate(vars(e)) for e in entering(sessions)],
        vendors_to_invite=[VendorToInviteOut.model_validate(vars(v))
                           for v in vendors_without_login(sessions)])


@router.patch("/accounts/{username}", response_model=AccountOut,
              responses=responses(401, 403, 404, 409, 413, 422))
def patch_account(username: Username, body: AccountPatch, sessions: WriterDep,
                  user: AccountsWriterDep) -> AccountOut:
    """Disable a login (it can no longer log in) or enable it again."""
    if username == user.username and not body.active:
        raise ConflictError("a coordinator cannot disable their own login")
    set_active(sessions, username, body.active)
    [out] = [a for a in accounts(sessions) if a.username == username]
    return AccountOut(username=out.username, role=out.role, active=out.active,
                      member_pseudonym=out.member_pseudonym,
                      points_of_sale=[n for _, n in out.points_of_sale],
                      created_at=out.created_at, last_login_at=out.last_login_at)


@router.post("/invitations", response_model=InvitationsOut, status_code=201,
             responses=responses(401, 403, 404, 409, 413, 422))
def invite(body: InvitationIn, sessions: WriterDep, territory: TerritoryDep,
           user: AccountsWriterDep, request: Request, response: Response) -> InvitationsOut:
    """An invitation letter for a member, a vendor (its points of sale) or a new password
    (a login): the code is in this answer only; a newer letter replaces a waiting one."""
    made = issue_invitation(sessions, territory, by=user.username, member_id=body.member_id,
                            points_of_sale=body.points_of_sale or (), username=body.username)
    return _issued([made], territory, request, response)


@router.post("/invitations/entering", response_model=InvitationsOut, status_code=201,
             responses=responses(401, 403, 409, 413, 422))
def invite_members(body: EnteringInvitationsIn, sessions: WriterDep, territory: TerritoryDep,
                   user: AccountsWriterDep, request: Request,
                   response: Response) -> InvitationsOut:
    """One letter for each member without a login (of a draw, or those named), in one
    action; one PDF of all the letters."""
    made = invite_entering(sessions, territory, by=user.username, draw_id=body.draw_id,
                           member_ids=body.member_ids)
    return _issued(made, territory, request, response)


@router.post("/admissions", response_model=InvitationsOut, status_code=201,
             responses=responses(401, 403, 404, 409, 413, 422))
def admit_referred(body: AdmitIn, sessions: WriterDep, territory: TerritoryDep,
                   user: EnrolmentWriterDep, request: Request,
                   response: Response) -> InvitationsOut:
    """Admit a person referred by a social worker (or nominated by the committee) and issue
    their letter, in one action."""
    member = admit(sessions, body.ref, by=user, joined_on=body.joined_on or datetime.now(
        ZoneInfo(territory.timezone)).date())
    made = invite_entering(sessions, territory, by=user.username, member_ids=[member.id])
    return _issued(made, territory, request, response)


@router.post("/welcome/check", response_model=WelcomeCheckOut,
             dependencies=[throttled("welcome")], responses=responses(401, 413, 422, 429))
def check_code(body: WelcomeCheckIn, sessions: SessionsDep) -> WelcomeCheckOut:
    """What a letter's code is for (a new login, or a new password for which login)."""
    opened = read_invitation(sessions, body.code)
    return WelcomeCheckOut(purpose=opened.purpose, username=opened.username)


@router.post("/welcome", response_model=Token, dependencies=[throttled("welcome")],
             responses=responses(401, 404, 409, 413, 422, 429))
def welcome(body: WelcomeIn, sessions: WriterDep, settings: SettingsDep,
            secret: JwtSecretDep) -> Token:
    """Use a letter's code: make the login (or set the new password) and log in."""
    user = accept_invitation(sessions, body.code, username=body.username,
                             password=body.password)
    ttl = settings.api.token_ttl_min
    return Token(access_token=issue_token(user, secret=secret, ttl_min=ttl),
                 role=user.role, expires_in_s=int(ttl * 60))
