"""The member map's places: where the MonA is spent, their hours, the walk to each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import StrictBool, StrictFloat, StrictInt
from geo_caisse.core.opening_hours import read_opening_hours
from geo_caisse.walk.places import Found

PlaceKind = Literal["market", "producer", "shop", "epicerie", "cooperative", "amap"]
WHEN = r"^(now|today|Mo|Tu|We|Th|Fr|Sa|Su|(Mo|Tu|We|Th|Fr|Sa|Su) ([01]?\d|2[0-3]):[0-5]\d)$"


class PlacesIn(BaseModel):
    """A member's question. The place (``lon``/``lat``) goes in the body: no URL, hence no
    log, holds it."""

    model_config = ConfigDict(extra="forbid")
    lon: StrictFloat | None = Field(default=None, ge=-180, le=180)
    lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    kinds: list[PlaceKind] | None = Field(default=None, max_length=7,
                                          description="default: every kind")
    when: str | None = Field(default=None, max_length=12, pattern=WHEN,
                             description="now, today, Mo..Su, or e.g. 'We 10:00'")
    max_walk_min: StrictFloat | None = Field(default=15, ge=1, le=90,
                                       description="null: every distance (the list view)")
    n: StrictInt | None = Field(default=None, ge=1, le=1000)
    route: StrictBool = False
    route_to: str | None = Field(default=None, max_length=40,
                                 pattern=r"^(market|point_of_sale):\d{1,15}$")


class StatusOut(BaseModel):
    state: Literal["open", "opens_later", "closed", "unknown", "to_check"]
    until: str | None
    next_day: str | None
    next_time: str | None
    day_hours: str | None


class PlaceOut(BaseModel):
    key: str = Field(description="market:<id> or point_of_sale:<id>")
    kind: str
    id: int
    ref: str
    name: str
    lon: float
    lat: float
    address: str | None
    categories: list[str]
    market_kind: str | None
    stalls: int = Field(description="conventionné stalls (markets)")
    wheelchair: str
    opening_hours: str | None
    hours_fr: str | None
    hours_en: str | None
    status: StatusOut
    walk_min: float | None
    walk_m: float | None


class Moment(BaseModel):
    weekday: str
    time: str | None
    now: bool


class Route(BaseModel):
    type: Literal["LineString"]
    coordinates: list[tuple[float, float]]


class PlacesOut(BaseModel):
    """The places that answer the question, nearest first (by name without a place)."""

    at: Moment = Field(description="the moment the hours are read at")
    filtered: bool = Field(description="whether the places had to be open then")
    method: str | None
    snap_m: float | None
    detour_factor: float | None
    walk_speed_kmh: float
    matching: int = Field(description="places that answer, whatever the distance")
    places: list[PlaceOut]
    beyond: PlaceOut | None = Field(description="when none is within the limit: the "
                                                "nearest one past it")
    route: Route | None


def place_out(found: Found) -> PlaceOut:
    p, s, w = found.place, found.status, found.walk
    hours = read_opening_hours(p.opening_hours)
    return PlaceOut(
        key=p.key, kind=p.kind, id=p.id, ref=p.ref, name=p.name, lon=p.lon, lat=p.lat,
        address=p.address, categories=list(p.categories), market_kind=p.market_kind,
        stalls=p.stalls, wheelchair=p.wheelchair, opening_hours=p.opening_hours,
        hours_fr=hours.describe_fr() if hours else None,
        hours_en=hours.describe_en() if hours else None,
        status=StatusOut(state=s.state, until=s.until, next_day=s.next_day,
                         next_time=s.next_time, day_hours=s.day_hours),
        walk_min=None if w is None else round(w.walk_min, 1),
        walk_m=None if w is None else round(w.walk_m, 1))
