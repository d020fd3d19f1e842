"""Walking access: the nearest conventionnés on foot, food deserts, what-if, candidates."""

from __future__ import annotations

from typing import Any, Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import StrictBool, StrictFloat, StrictInt
from api.schemas.layers import PointOfSaleFeature

Weekday = Literal["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


class WalkFeatureProperties(BaseModel):
    walk_min: float
    walk_m: float


class NearestWalkResponse(BaseModel):
    method: str = Field(description="network, or straight_line_estimate outside the network")
    snap_m: float = Field(description="straight distance from the place to the network")
    detour_factor: float | None
    walk_speed_kmh: float
    features: list[PointOfSaleFeature]
    walk: list[WalkFeatureProperties]
    route: dict[str, Any] | None = Field(description="GeoJSON LineString to the nearest one")


class WalkFrom(BaseModel):
    """A place to walk from, in a request body (so that no URL, hence no log, holds it)."""

    model_config = ConfigDict(extra="forbid")
    lon: StrictFloat = Field(ge=-180, le=180)
    lat: StrictFloat = Field(ge=-90, le=90)
    n: StrictInt = Field(default=5, ge=1, le=10)
    open_on: Weekday | None = None
    route: StrictBool = False


DesertValue = float | int | str | bool | None


class DesertCollection(FeatureCollection[Feature[Polygon | MultiPolygon,
                                                 dict[str, DesertValue]]]):
    """Low access and food deserts per cell or neighbourhood, with the method used."""

    metadata: dict[str, Any]


class LowIncome(BaseModel):
    method: Literal["income_quantile", "benefit_share", "points"]
    level: str | None
    quantile: float
    min_benefit_share: float
    threshold_eur: int | None
    available: bool = Field(description="false: the territory holds no data for the rule "
                            "(no income), so food deserts are not counted")


class DesertSummary(BaseModel):
    threshold_min: float
    walk_speed_kmh: float
    low_income_rule: str
    low_income: LowIncome
    cell_size_m: float
    totals: dict[str, float | None]
    definition: str


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    add_lon: StrictFloat | None = Field(default=None, ge=-180, le=180)
    add_lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    remove_id: StrictInt | None = Field(default=None, ge=1, le=2**53)
    threshold_min: StrictFloat | None = Field(default=None, gt=0, le=120)
    open_on: Weekday | None = None

    @model_validator(mode="after")
    def _one_action(self) -> WhatIfRequest:
        adding = self.add_lon is not None or self.add_lat is not None
        if adding and (self.add_lon is None or self.add_lat is None):
            raise ValueError("add_lon and add_lat go together")
        if adding == (self.remove_id is not None):
            raise ValueError("give either add_lon and add_lat, or remove_id")
        return self


class WhatIfResponse(BaseModel):
    threshold_min: float
    nodes_changed: int
    people_closer: float
    people_out_of_low_access: float
    low_income_out_of_desert: float | None = Field(description="null: the territory holds no "
                                                   "income (see unavailable)")
    people_into_low_access: float
    low_income_into_desert: float | None
    mean_change_min: float
    unavailable: dict[str, str] = Field(default={}, description="figures not computed (null) "
                                        "and why: low_income when the territory holds no "
                                        "income")


class CandidateScore(BaseModel):
    rank: int
    people_within_reach: float
    low_income_within_reach: float | None = Field(description="null: the territory holds no "
                                                  "income")
    feature: PointOfSaleFeature
