"""Getting in: invitations, the welcome page, the accounts coordinators manage."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import Instant, IsoDate, StrictBool, StrictInt

USERNAME = r"^[A-Za-z0-9._@-]{1,80}$"


class InvitationIn(BaseModel):
    """For a member (``member_id``), a vendor (``points_of_sale``, first one first) or a new
    password (``username``): exactly one."""

    model_config = ConfigDict(extra="forbid")
    member_id: StrictInt | None = Field(default=None, ge=1, le=2**53)
    points_of_sale: list[StrictInt] | None = Field(default=None, min_length=1, max_length=20)
    username: str | None = Field(default=None, pattern=USERNAME)

    @model_validator(mode="after")
    def one_of(self) -> InvitationIn:
        given = [self.member_id is not None, bool(self.points_of_sale),
                 self.username is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of member_id, points_of_sale, username")
        return self


class EnteringInvitationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    draw_id: StrictInt | None = Field(default=None, ge=1, le=2**53)
    member_ids: list[StrictInt] | None = Field(default=None, min_length=1, max_length=5000)


class InvitationOut(BaseModel):
    """An invitation as issued: the code is shown this once (the store keeps its hash)."""

    id: int
    purpose: str
    code: str = Field(description="as printed: ABCD-EFGH-JKMN")
    expires_at: Instant
    member_pseudonym: str | None
    points_of_sale: list[str]
    username: str | None


class InvitationsOut(BaseModel):
    invitations: list[InvitationOut]
    letters_pdf_base64: str | None = Field(description="the letters, one A4 page each (PDF)")


class EnteringOut(BaseModel):
    member_id: int
    pseudonym: str
    joined_on: date
    channel: str | None
    draw_id: int | None
    invitation_waiting: bool


class VendorToInviteOut(BaseModel):
    point_of_sale_id: int
    name: str
    kind: str
    market_id: int | None
    invitation_waiting: bool


class AccountOut(BaseModel):
    """A login as coordinators see it: nothing enrolment does not already hold."""

    username: str
    role: str
    active: bool
    member_pseudonym: str | None
    points_of_sale: list[str]
    created_at: Instant | None
    last_login_at: Instant | None


class AccountsOut(BaseModel):
    accounts: list[AccountOut]
    entering: list[EnteringOut] = Field(description="active members without a login")
    vendors_to_invite: list[VendorToInviteOut] = Field(
        description="conventionnés no login cashes at yet")


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: StrictBool


class AdmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str = Field(min_length=1, max_length=24, description="the referred volunteer's ref")
    joined_on: IsoDate | None = None


class WelcomeCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40)


class WelcomeCheckOut(BaseModel):
    purpose: str = Field(description="member, vendor or reset")
    username: str | None = Field(description="a reset: the login whose password changes")


class WelcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40)
    username: str | None = Field(default=None, pattern=USERNAME)
    password: str = Field(min_length=1, max_length=200)
