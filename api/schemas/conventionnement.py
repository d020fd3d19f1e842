"""Conventionnement dossiers: the criteria grid, decisions, the what-if of each."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Instant, IsoDate, StrictInt

CriterionState = Literal["met", "not_met", "unknown"]
DecisionKind = Literal["conventionne", "refuse", "suspendu"]
Stage = Literal["a_instruire", "en_examen", "conventionne", "refuse", "suspendu"]


class Place(BaseModel):
    id: int
    name: str
    kind: str
    status: str
    accepts_mona: bool
    address: str | None
    lon: float
    lat: float


class CriterionOut(BaseModel):
    key: str
    family: str
    label: str


class DecisionOut(BaseModel):
    id: int
    decision: DecisionKind
    decided_on: date
    votes_for: int | None
    votes_against: int | None
    votes_abstention: int | None
    note: str | None
    recorded_at: Instant
    recorded_by: str


class CriteriaCounts(BaseModel):
    met: int
    not_met: int
    unknown: int


class DossierSummary(BaseModel):
    id: int
    point_of_sale: Place
    proposed_by: str
    suggestion_id: int | None
    meeting_on: date | None
    opened_at: Instant
    stage: Stage
    criteria: CriteriaCounts
    criteria_total: int
    decision: DecisionOut | None


class Overview(BaseModel):
    criteria: list[CriterionOut]
    criteria_illustrative: bool
    dossiers: list[DossierSummary]
    candidates: list[Place]


class GridLine(BaseModel):
    key: str
    family: str
    label: str
    state: CriterionState
    answered: bool
    comment: str | None
    updated_by: str | None
    updated_at: Instant | None


class Attachment(BaseModel):
    id: int
    reference: str
    added_at: Instant
    added_by: str


class StatusChangeOut(BaseModel):
    status_before: str
    status_after: str
    accepts_mona: bool
    changed_at: Instant
    changed_by: str
    reason: str
    dossier_decision_id: int | None


class DossierOut(BaseModel):
    id: int
    point_of_sale: Place
    proposed_by: str
    suggestion_id: int | None
    meeting_on: date | None
    opened_at: Instant
    opened_by: str
    stage: Stage
    criteria_illustrative: bool
    grid: list[GridLine]
    attachments: list[Attachment]
    decisions: list[DecisionOut]
    status_history: list[StatusChangeOut]


class OpenIn(BaseModel):
    """Open the dossier of a point of sale (a candidate, or one to re-examine)."""

    model_config = ConfigDict(extra="forbid")
    point_of_sale_id: StrictInt = Field(ge=1, le=2**53)
    proposed_by: str | None = Field(default=None, max_length=200,
                                    description="who proposed it, in words")


class Opened(BaseModel):
    id: int


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: CriterionState
    comment: str | None = Field(default=None, max_length=1000)


class AttachmentIn(BaseModel):
    """A reference to a document the committee holds (file number, visit report…)."""

    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=300)


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meeting_on: IsoDate | None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: DecisionKind
    decided_on: IsoDate
    votes_for: StrictInt | None = Field(default=None, ge=0, le=10_000)
    votes_against: StrictInt | None = Field(default=None, ge=0, le=10_000)
    votes_abstention: StrictInt | None = Field(default=None, ge=0, le=10_000)
    note: str | None = Field(default=None, max_length=1000)


class Decided(BaseModel):
    decision: DecisionOut
    status: str
    accepts_mona: bool


class Band(BaseModel):
    minutes: int
    people: int
    low_income_people: int | None   # None: the territory holds no income
    members: int


class Effect(BaseModel):
    dossier_id: int
    point_of_sale_id: int
    mode: Literal["add", "remove"]
    status: str
    threshold_min: float
    people_brought_within_reach: float
    low_income_brought_within_reach: float | None   # None: the territory holds no income
    people_put_out_of_reach: float
    low_income_put_out_of_reach: float | None
    people_closer: float
    mean_change_min: float
    desert_before: float | None   # None: no income data, food deserts are not counted
    desert_after: float | None
    low_access_before: float
    low_access_after: float
    min_members: int
    bands: list[Band]
    areas_withheld: int
    unavailable: dict[str, str] = Field(default={}, description="figures not computed (null) "
                                        "and why: low_income when the territory holds no "
                                        "income")
