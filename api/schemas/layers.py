"""Points of sale, markets and neighbourhoods as GeoJSON (RFC 7946, lon/lat WGS84)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Point
from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Paged, StrictBool, StrictInt
from geo_caisse.core.domain import Market, Neighbourhood, PointOfSale, Status
from geo_caisse.core.opening_hours import read_opening_hours
from geo_caisse.layers.search import MAX_QUERY_CHARS


class PointOfSaleProperties(BaseModel):
    id: int
    ref: str
    name: str
    kind: str
    status: str
    categories: list[str]
    opening_hours: str | None
    open_weekdays: list[str] | None = Field(description="Mo..Su; null when hours are unknown")
    hours_fr: str | None
    hours_en: str | None = None
    wheelchair: str
    accepts_mona: bool
    address: str | None
    market_ref: str | None
    source: str | None
    distance_m: float | None = None


class MarketProperties(BaseModel):
    id: int
    ref: str
    name: str
    kind: str
    opening_hours: str
    open_weekdays: list[str]
    hours_fr: str
    hours_en: str = ""
    address: str | None
    source: str | None
    stall_count: int
    conventionne_stall_count: int
    visibility: float | None = Field(description="share of the stalls that are conventionnés")


class NeighbourhoodProperties(BaseModel):
    id: int
    code: str
    name: str
    level: str
    parent_code: str | None
    population: int | None
    population_year: int | None
    median_income_uc_eur: float | None
    benefit_dependent_share: float | None
    extra: dict[str, Any]


PointOfSaleFeature = Feature[Point, PointOfSaleProperties]
MarketFeature = Feature[Point, MarketProperties]
NeighbourhoodFeature = Feature[MultiPolygon, NeighbourhoodProperties]


class PointOfSaleCollection(FeatureCollection[PointOfSaleFeature], Paged):
    pass


class MarketCollection(FeatureCollection[MarketFeature], Paged):
    pass


class NeighbourhoodCollection(FeatureCollection[NeighbourhoodFeature], Paged):
    pass


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    accepts_mona: StrictBool | None = None


class ImportResult(BaseModel):
    layer: Literal["points_of_sale", "markets"]
    inserted: int
    updated: int
    notes: list[str] = Field(default_factory=list,
                             description="what was kept but needs a look (hours to be "
                                         "checked), one line each with its fix")


class LevelInfo(BaseModel):
    """One level of the territory's zoning and its French name."""

    code: str = Field(description="the level's code, as the level query parameters take it")
    one: str = Field(description="its French name, singular (e.g. « sous-quartier »)")
    many: str = Field(description="its French name, plural (e.g. « sous-quartiers »)")


class TerritoryInfo(BaseModel):
    code: str
    name: str
    bbox: list[float] = Field(min_length=4, max_length=4,
                             description="minlon, minlat, maxlon, maxlat (WGS84)")
    attribution: str
    levels: list[LevelInfo] = Field(description="the levels of the neighbourhoods, coarse "
                                    "to fine (territory.toml levels)")


def _point(lon: float, lat: float) -> Point:
    return Point(type="Point", coordinates=(lon, lat))


def pos_feature(p: PointOfSale, *, distance_m: float | None = None) -> PointOfSaleFeature:
    hours = read_opening_hours(p.opening_hours)
    assert p.id is not None
    props = PointOfSaleProperties(
        id=p.id, ref=p.ref, name=p.name, kind=p.kind.value, status=p.status.value,
        categories=list(p.categories), opening_hours=p.opening_hours,
        open_weekdays=hours.open_weekdays() if hours and hours.understood else None,
        hours_fr=hours.describe_fr() if hours else None,
        hours_en=hours.describe_en() if hours else None, wheelchair=p.wheelchair.value,
        accepts_mona=p.accepts_mona, address=p.address, market_ref=p.market_ref,
        source=p.source, distance_m=None if distance_m is None else round(distance_m, 1),
    )
    return PointOfSaleFeature(type="Feature", id=p.id, geometry=_point(p.lon, p.lat),
                              properties=props)


def market_feature(m: Market) -> MarketFeature:
    hours = read_opening_hours(m.opening_hours)
    assert m.id is not None
    props = MarketProperties(
        id=m.id, ref=m.ref, name=m.name, kind=m.kind.value, opening_hours=m.opening_hours,
        open_weekdays=hours.open_weekdays() if hours else [],
        hours_fr=hours.describe_fr() if hours else "",
        hours_en=hours.describe_en() if hours else "", address=m.address,
        source=m.source, stall_count=m.stall_count,
        conventionne_stall_count=m.conventionne_stall_count,
        visibility=None if m.visibility is None else round(m.visibility, 4),
    )
    return MarketFeature(type="Feature", id=m.id, geometry=_point(m.lon, m.lat),
                         properties=props)


def neighbourhood_feature(n: Neighbourhood, geom: Any) -> NeighbourhoodFeature:
    assert n.id is not None
    props = NeighbourhoodProperties(
        id=n.id, code=n.code, name=n.name, level=n.level, parent_code=n.parent_code,
        population=n.population, population_year=n.population_year,
        median_income_uc_eur=n.median_income_uc_eur,
        benefit_dependent_share=n.benefit_dependent_share, extra=dict(n.extra),
    )
    return NeighbourhoodFeature(type="Feature", id=n.id,
                                geometry=MultiPolygon(**geom.__geo_interface__),
                                properties=props)


@lru_cache(maxsize=4096)
def pos_feature_json(p: PointOfSale) -> dict[str, Any]:
    """A point of sale's feature as JSON-ready data, built once per (immutable) object: the
    walking answers repeat the same few conventionnés. Read it, never change it."""
    return pos_feature(p).model_dump(mode="json")


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=2, max_length=MAX_QUERY_CHARS,
                   description="an address or the name of a place")
    n: StrictInt = Field(default=5, ge=1, le=20)


class Hit(BaseModel):
    kind: str
    label: str
    lon: float
    lat: float
    detail: str
