"""Enrolment: volunteers, the published draw, exits, the strata coverage, the committee."""

from __future__ import annotations

from datetime import date
from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Instant, IsoDate, StrictBool, StrictFloat, StrictInt
from geo_caisse.core.strata import AgeBand


class VolunteerIn(BaseModel):
    """A volunteer's registration: the draw's strata and, optionally, where they live
    (kept only as its 200 m cell and neighbourhood)."""

    model_config = ConfigDict(extra="forbid")
    income_quartile: StrictInt = Field(ge=1, le=4, description="household income quartile (1-4)")
    age_band: AgeBand
    channel: Literal["open_call", "referral", "committee"] = "open_call"
    home_lon: StrictFloat | None = Field(default=None, ge=-180, le=180)
    home_lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    neighbourhood_code: str | None = Field(default=None, min_length=1, max_length=32)


class VolunteerOut(BaseModel):
    ref: str
    status: str
    stratum: str
    channel: str
    neighbourhood_code: str | None


class WaitingVolunteer(BaseModel):
    ref: str
    stratum: str
    rank: int | None
    channel: str


class WaitingList(BaseModel):
    count: int
    volunteers: list[WaitingVolunteer]


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seats: StrictInt = Field(ge=1, le=100_000)
    seed: StrictInt = Field(ge=0, lt=2**63, description="announced before the draw")
    joined_on: IsoDate
    quotas: dict[str, dict[str, tuple[StrictInt, StrictInt]]] | None = Field(
        default=None, description="default: the territory's population by stratum")
    neighbourhoods: list[str] | None = Field(default=None, max_length=500)


class PublishedDraw(BaseModel):
    """A draw as published: what anyone needs to re-run it."""

    id: int
    held_at: Instant
    seed: int
    seats: int
    method: str
    quotas: dict[str, dict[str, list[int]]]
    list_sha256: str
    volunteers: int
    selected: list[str]
    stratum_probability: dict[str, float]
    shortfall: dict[str, dict[str, int]]
    min_probability: float


class Place(BaseModel):
    neighbourhood_code: str
    name: str
    adults: int


class HeldDrawOut(PublishedDraw):
    members_opened: int
    waiting: int
    places_to_mobilise: dict[str, list[Place]]


class DrawCheck(BaseModel):
    draw_id: int
    ok: bool
    problems: list[str]


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: IsoDate
    replace: StrictBool = True


class Replacement(BaseModel):
    member_id: int
    volunteer_ref: str | None


class ExitOut(BaseModel):
    member_id: int
    left_on: date
    replacement: Replacement | None


class PlaceCoverage(Place):
    members: int | None


class StratumCoverage(BaseModel):
    stratum: str
    population_adults: int
    population_share: float
    members: int | None
    member_share: float | None
    waiting: int | None
    under_represented: bool
    seats_short: int | None
    where_they_live: list[PlaceCoverage] | None = None


class Coverage(BaseModel):
    """Members and waiting volunteers by stratum against the population (every count at
    least the minimum group, or null)."""

    min_members_per_cell: int
    members: int | None
    waiting: int | None
    population_source: str
    strata: list[StratumCoverage]
    hidden_member_cells: int
    hidden_waiting_cells: int


class CoverageAreaProperties(BaseModel):
    code: str
    name: str
    adults: int
    under_represented_adults: int
    by_stratum: dict[str, int]


class CoverageAreas(FeatureCollection[Feature[Polygon | MultiPolygon, CoverageAreaProperties]]):
    """Adults of the under-represented strata per neighbourhood (census estimates)."""

    under_represented: list[str]
    source: str


class Committee(BaseModel):
    on: date
    seats: int
    in_poverty_share: float | None
    withheld: str | None


class StratumPlanOut(BaseModel):
    stratum: str
    population_share: float = Field(description="share of the territory's adults (estimate)")
    quota: int = Field(description="seats for this stratum")
    waiting: int | None = Field(description="volunteers waiting; null when hidden (fewer "
                                            "than the minimum group, or to protect one)")
    fewer_than_minimum: bool = Field(description="hidden because fewer than the minimum "
                                                 "group wait")
    enough: bool | None = Field(description="at least `quota` wait (null when hidden)")


class DrawPlanOut(BaseModel):
    """The population quotas for a number of seats and who waits, before a draw."""

    seats: int
    min_members_per_cell: int
    waiting: int | None
    strata: list[StratumPlanOut]


class DrawSummaryOut(BaseModel):
    id: int
    held_at: Instant
    seats: int
    selected: int
    volunteers: int
    method: str


class DrawList(BaseModel):
    draws: list[DrawSummaryOut]


class ExitSeenOut(BaseModel):
    """An exit and who entered in its place: pseudonyms and a volunteer ref only."""

    member_pseudonym: str
    left_on: date
    replacement_pseudonym: str | None
    replacement_ref: str | None
    replacement_draw_id: int | None


class ExitList(BaseModel):
    exits: list[ExitSeenOut]
