"""The Mona flows as published: every member figure a group of at least the minimum."""

from __future__ import annotations

from geojson_pydantic import Feature, FeatureCollection, LineString, MultiPolygon, Polygon
from pydantic import BaseModel

from api.schemas.common import Figure


class _Published(BaseModel):
    min_members: int
    synthetic: bool


class HomeAreaProperties(Figure):
    cell: str
    size_m: int
    residents: int


class HeatmapCollection(FeatureCollection[Feature[Polygon | MultiPolygon, HomeAreaProperties]],
                        _Published):
    """MonA spent by members, by home area (each area holds the minimum group or more)."""

    period: str
    outside_grid: Figure
    total: Figure


class SpendAreaProperties(Figure):
    cell: str
    size_m: int
    points_of_sale: int


class SpendCollection(FeatureCollection[Feature[Polygon | MultiPolygon, SpendAreaProperties]],
                      _Published):
    """Where the MonA is spent: areas of points of sale, each paid by the minimum group."""

    year: str


class LineProperties(Figure):
    from_cell: str
    to: str
    to_id: int


class Destination(BaseModel):
    id: int
    name: str
    lon: float
    lat: float
    ref: str | None = None
    kind: str | None = None
    total: Figure
    other_origins: Figure


class LinesCollection(FeatureCollection[Feature[LineString, LineProperties]], _Published):
    """Flows from home areas to markets or points of sale."""

    year: str
    by: str
    destinations: list[Destination]


class ShareFigure(Figure):
    share: float | None


class CentreShare(_Published):
    period: str
    centre: ShareFigure
    elsewhere: ShareFigure
    centre_codes: list[str]


class ProducerShare(_Published):
    period: str
    producers: ShareFigure
    shops: ShareFigure


class KindFigure(BaseModel):
    transfers: int | None
    amount: str | None
    members: int | None
    suppressed: bool


class Classification(_Published):
    period: str
    kinds: dict[str, KindFigure]


class Summary(BaseModel):
    period: str
    years: list[str]
    months: list[str]
    centre: CentreShare
    producers: ProducerShare
    classification: Classification


class VendorFlow(BaseModel):
    from_kind: str
    to_kind: str
    mona: str


class Respend(BaseModel):
    """MonA that points of sale pay each other, by kind (no member involved)."""

    year: str
    flows: list[VendorFlow]


class PointOfSaleRef(BaseModel):
    id: int
    name: str
    kind: str | None = None
    ref: str | None = None
    lon: float
    lat: float


class BasinCell(Figure):
    cell: str


class Basin(BaseModel):
    """Where a point of sale's payers live, by home area of the minimum group or more."""

    point_of_sale: PointOfSaleRef
    year: str
    min_members: int
    total: Figure
    cells: list[BasinCell]
    other_origins: Figure


class MonthFigure(Figure):
    month: str


class VendorMonths(_Published):
    point_of_sale_id: int
    year: str
    months: list[MonthFigure]
