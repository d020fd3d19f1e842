"""The budget planner: a scenario's settings, its money, saved scenarios."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Instant

Share01 = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]
Monthly = Annotated[Decimal, Field(ge=0, le=10_000, max_digits=8, decimal_places=2)]


class Pledge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    yearly_eur: Decimal = Field(ge=0, le=100_000_000, max_digits=12, decimal_places=2)


class ScenarioIn(BaseModel):
    """A scenario: members, MonA a month each, the spread over income quartiles (shares of 1)
    and their contributions (€ a month), the State's top-up (0.5 = 50 %), pledged funds."""

    model_config = ConfigDict(extra="forbid")
    members: int = Field(ge=1, le=1_000_000)
    allocation_mona: Decimal = Field(gt=0, le=10_000, max_digits=8, decimal_places=2)
    quartile_shares: list[Share01] = Field(min_length=4, max_length=4)
    contribution_by_quartile_eur: list[Monthly] = Field(min_length=4, max_length=4)
    topup_share: Decimal = Field(ge=0, le=10, max_digits=6, decimal_places=4)
    pledged: list[Pledge] = Field(default_factory=list, max_length=20)


class Share(BaseModel):
    funder: str
    share: Decimal


class PlanOut(BaseModel):
    monthly_issued_eur: Decimal
    yearly_issued_eur: Decimal
    mean_contribution_eur: Decimal
    monthly_contributions_eur: Decimal
    yearly_contributions_eur: Decimal
    yearly_topup_eur: Decimal
    yearly_pledged_eur: Decimal
    gap_eur: Decimal
    surplus_eur: Decimal
    shares: list[Share]
    reference_budget_eur: Decimal
    reference_label: str
    vs_reference: Decimal | None


class Defaults(BaseModel):
    members: int
    members_active: int | None
    allocation_mona: Decimal
    contribution_by_quartile_eur: list[Decimal]
    contributions_illustrative: bool
    contribution_min_eur: Decimal
    contribution_max_eur: Decimal
    topup_share: Decimal
    observed_quartile_shares: list[Decimal] | None
    reference_budget_eur: Decimal
    reference_label: str
    min_members: int


class SavedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    scenario: ScenarioIn


class SavedOut(BaseModel):
    id: int
    name: str
    params: dict[str, object]
    saved_by: str
    saved_at: Instant
    plan: PlanOut


class Deleted(BaseModel):
    deleted: int
