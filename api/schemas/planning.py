"""Recruitment targeting and a producer's demand."""

from __future__ import annotations

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, Field

from api.schemas.flows import Basin, VendorMonths


class Site(BaseModel):
    kind: str
    id: int
    name: str
    lon: float
    lat: float


class MonaTo(BaseModel):
    id: int
    name: str
    walk_min: float
    spare: float
    mona: int


class MonaPerMonth(BaseModel):
    assumed_new_members: int
    total: int
    to: list[MonaTo]


class SiteExplanation(BaseModel):
    site: Site
    value: float
    people_reached: int
    terms: dict[str, int | None] = Field(description="people per term; null: not computed "
                                         "(see the answer's unavailable)")
    neighbourhoods: list[str]
    mona_per_month: MonaPerMonth


class CellProperties(BaseModel):
    people: int
    value: float
    desert_low_income: int | None
    under_represented: int | None
    spare_capacity: int | None


class InstanceSize(BaseModel):
    cells: int
    sites: int


class TargetingAnswer(BaseModel):
    """The chosen places, explained, and how the answer was obtained."""

    k: int
    reach_min: float
    method: str
    objective: float
    bound: float
    gap: float
    seconds: float
    notes: list[str]
    coefficients: dict[str, float]
    terms_covered: dict[str, int | None]
    terms_total: dict[str, int | None]
    unavailable: dict[str, str] = Field(description="each term the territory lacks the input "
                                        "for (its people null, its coefficient 0), and why")
    instance: InstanceSize
    sites: list[SiteExplanation]
    cells: FeatureCollection[Feature[Polygon | MultiPolygon, CellProperties]]
    estimates: str
    #: an interactive answer given while the exact optimum asked for is still computed
    exact_pending: bool = False


class DemandPoint(BaseModel):
    id: int
    name: str
    kind: str
    lon: float
    lat: float


class Band(BaseModel):
    minutes: int
    people: int
    low_income_people: int | None = Field(description="null: the territory holds no income "
                                          "(see unavailable)")
    members: int
    areas: list[str]
    mona_allocated_per_month: int


class DemandAreaProperties(BaseModel):
    area: str
    within_min: int


class YearToDate(VendorMonths):
    through: str | None = Field(description="the last month over (YYYY-MM)")


class Demand(BaseModel):
    """People and members within 5, 10 and 15 minutes' walk (members by whole areas of the
    minimum group), and where the MonA spent here comes from."""

    point_of_sale: DemandPoint
    areas: FeatureCollection[Feature[Polygon | MultiPolygon, DemandAreaProperties]]
    min_members: int
    bands: list[Band]
    areas_withheld: int
    method: str
    people_source: str
    unavailable: dict[str, str] = Field(default={}, description="figures not computed (null) "
                                        "and why: low_income when the territory holds no "
                                        "income")
    years: list[str] = Field(default=[], description="the years the ledger holds")
    year: str | None = Field(default=None, description="the year of spent_here and "
                             "received_by_month: by default the latest complete one")
    spent_here: Basin | None = None
    received_by_month: VendorMonths | None = None
    to_date: YearToDate | None = Field(default=None, description="the current year's months "
                                       "already over, beside a complete year")
