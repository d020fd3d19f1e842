"""Logins, a member's own account, the till and the budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Instant, StrictInt


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    expires_in_s: int


class Me(BaseModel):
    """Who the token says the caller is (their own links only)."""

    username: str
    role: str
    scopes: list[str]
    member_id: int | None
    point_of_sale_id: int | None = Field(description="a vendor's first point of sale")
    points_of_sale: list[int] = Field(default=[], description="every point of sale a "
                                                               "vendor's login cashes at")


class StatementLineOut(BaseModel):
    kind: str = Field(description="allocation, payment, reversal…")
    amount_mona: Decimal = Field(description="positive: received; negative: spent")
    counterpart: str = Field(description="the other account (never another member's)")
    occurred_at: Instant


class Balance(BaseModel):
    """The caller's own balance and latest movements (never anyone else's)."""

    balance_mona: Decimal
    statement: list[StatementLineOut]


class CodeOut(BaseModel):
    code: str
    display: str = Field(description="the code as shown to be read out: ABCDE FGHJK")
    expires_at: Instant
    qr_svg: str = Field(description="the code's QR code, an inline SVG drawn by the service")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40, description="the member's one-time code")
    amount_mona: Decimal = Field(gt=0, le=10000, decimal_places=2,
                                 description="amount as a decimal string, e.g. \"12.50\"")
    point_of_sale_id: StrictInt | None = Field(default=None, ge=1, le=2**53,
                                         description="where the vendor cashes today, if its "
                                                     "login has several (default: its first)")


class AccountLineOut(BaseModel):
    """A line of the member's own statement, newest first."""

    kind: str = Field(description="allocation, payment, reversal…")
    amount_mona: Decimal = Field(description="positive: received; negative: spent")
    balance_after_mona: Decimal
    occurred_at: Instant
    place_name: str | None = Field(description="the point of sale of a payment")
    place_kind: str | None
    market_name: str | None = Field(description="a market stall's market")
    month: str | None = Field(description="an allocation's month (YYYY-MM)")
    reverses_kind: str | None = Field(description="a reversal: what it cancels")


class MemberAccountOut(BaseModel):
    """The caller's own account: never anyone else's."""

    pseudonym: str
    joined_on: date
    active: bool
    balance_mona: Decimal
    month: str
    allocated_this_month_mona: Decimal
    next_allocation_on: date
    monthly_allocation_mona: Decimal
    contribution_this_month_eur: Decimal | None
    contributions_this_year_eur: Decimal
    statement: list[AccountLineOut]


class ReceiptOut(BaseModel):
    """What the vendor learns of a payment: never who paid, nor their balance."""

    payment_id: int
    amount_mona: Decimal
    vendor_ref: str
    occurred_at: Instant
    replayed: bool


class BudgetOut(BaseModel):
    """The caisse's money since the start (whole-ledger totals only, so that no two
    budgets can be subtracted); head counts below the minimum group are null."""

    contributions_eur: Decimal | None
    contributors: int | None
    funding_eur: dict[str, Decimal]
    treasury_eur: Decimal
    paid_out_eur: Decimal
    mona_issued: Decimal
    mona_held_by_members: Decimal
    mona_held_by_vendors: Decimal
    mona_reconverted: Decimal
    members_active: int | None
    coverage_ratio: float | None = Field(description="treasury / MonA that may still be "
                                                     "reconverted")
    min_members: int
