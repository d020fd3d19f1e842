"""Repositories: queries and writes on one session. They never commit; services do.

The same SQL runs on SpatiaLite and PostGIS: spatial filters use functions both
share (``ST_Intersects``, ``ST_GeomFromText``), weekday filters a 7-character
``open_days`` string, category filters a ``;``-delimited text column.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Select, and_, delete, func, select
from sqlalchemy.orm import Session

from geo_caisse.core.domain import (
    Market,
    MarketKind,
    Neighbourhood,
    PointOfSale,
    PointOfSaleKind,
    Status,
    Wheelchair,
)
from geo_caisse.core.errors import NotFoundError, ValidationError
from geo_caisse.core.opening_hours import WEEKDAYS, check_weekday, read_opening_hours
from geo_caisse.storage.models import SRID, MarketRow, NeighbourhoodRow, PointOfSaleRow

BBox = tuple[float, float, float, float]
T = TypeVar("T")


def open_days(opening_hours: str | None) -> str | None:
    """``"0100010"`` (Monday first) from an opening_hours string, None when unknown or not
    understood (hours to be checked)."""
    hours = read_opening_hours(opening_hours)
    if hours is None or not hours.understood:
        return None
    return "".join("1" if hours.is_open_on(d) else "0" for d in WEEKDAYS)


def takes_mona_clause() -> ColumnElement[bool]:
    """SQL for :func:`geo_caisse.core.domain.takes_mona`: where members may pay."""
    return and_(PointOfSaleRow.status == Status.CONVENTIONNE.value,
                PointOfSaleRow.accepts_mona.is_(True))


def _bbox_filter(geom_column: Any, bbox: BBox) -> ColumnElement[bool]:
    return func.ST_Intersects(geom_column, func.ST_GeomFromText(box(*bbox).wkt, SRID))


def _day_filter(column: Any, weekday: str) -> ColumnElement[bool]:
    index = WEEKDAYS.index(check_weekday(weekday)) + 1
    return func.substr(column, index, 1) == "1"


def _point(row: PointOfSaleRow | MarketRow) -> tuple[float, float]:
    geom: Any = to_shape(row.geom)
    return float(geom.x), float(geom.y)


def _wkb_point(lon: float, lat: float) -> Any:
    return from_shape(Point(lon, lat), srid=SRID)


def _categories(value: str | None) -> tuple[str, ...]:
    return tuple(c for c in (value or "").split(";") if c)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a filtered listing and how many items match in all."""

    items: list[T]
    number_matched: int


@dataclass(frozen=True)
class PointOfSaleFilter:
    """Filters for listing points of sale; each is optional."""

    bbox: BBox | None = None
    kinds: Sequence[PointOfSaleKind] = ()
    statuses: Sequence[Status] = ()
    category: str | None = None
    open_on: str | None = None
    market_id: int | None = None
    accepts_mona: bool | None = None
    takes_mona: bool | None = None  # a conventionné accepting the Mona (or, False, not)


@dataclass(frozen=True)
class MarketFilter:
    """Filters for listing markets."""

    bbox: BBox | None = None
    kinds: Sequence[MarketKind] = ()
    open_on: str | None = None
    with_conventionnes: bool | None = None


@dataclass
class UpsertResult:
    """How many rows an import inserted and updated (``notes``: what the import kept but
    says, e.g. hours to be checked, one line each)."""

    inserted: int = 0
    updated: int = 0
    refs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class MarketRepository:
    """Markets and their stall counts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _counts(self) -> Any:
        conv = func.sum(func.cast(PointOfSaleRow.status == Status.CONVENTIONNE.value,
                                  PointOfSaleRow.id.type))
        return (
            select(PointOfSaleRow.market_id, func.count().label("stalls"),
                   conv.label("conventionnes"))
            .where(PointOfSaleRow.market_id.is_not(None))
            .group_by(PointOfSaleRow.market_id)
        )

    def _to_domain(self, row: MarketRow, stalls: int | None, conv: int | None) -> Market:
        lon, lat = _point(row)
        return Market(
            ref=row.ref, name=row.name, kind=MarketKind(row.kind), lon=lon, lat=lat,
            opening_hours=row.opening_hours, address=row.address, source=row.source, id=row.id,
            stall_count=int(stalls or 0), conventionne_stall_count=int(conv or 0),
        )

    def _select(self) -> tuple[Select[Any], Any]:
        counts = self._counts().subquery()
        stmt = select(MarketRow, counts.c.stalls, counts.c.conventionnes).outerjoin(
            counts, counts.c.market_id == MarketRow.id
        )
        return stmt, counts

    def list(self, filters: MarketFilter | None = None, *, limit: int | None = None,
             offset: int = 0) -> Page[Market]:
        f = filters or MarketFilter()
        stmt, counts = self._select()
        conditions: list[ColumnElement[bool]] = []
        if f.bbox is not None:
            conditions.append(_bbox_filter(MarketRow.geom, f.bbox))
        if f.kinds:
            conditions.append(MarketRow.kind.in_([k.value for k in f.kinds]))
        if f.open_on:
            conditions.append(_day_filter(MarketRow.open_days, f.open_on))
        if f.with_conventionnes is True:
            conditions.append(func.coalesce(counts.c.conventionnes, 0) > 0)
        elif f.with_conventionnes is False:
            conditions.append(func.coalesce(counts.c.conventionnes, 0) == 0)
        stmt = stmt.where(and_(True, *conditions))
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        stmt = stmt.order_by(MarketRow.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = self.session.execute(stmt).all()
        return Page([self._to_domain(r[0], r[1], r[2]) for r in rows], int(total))

    def get(self, market_id: int) -> Market:
        stmt, _ = self._select()
        row = self.session.execute(stmt.where(MarketRow.id == market_id)).first()
        if row is None:
            raise NotFoundError(f"no market with id {market_id}")
        return self._to_domain(row[0], row[1], row[2])

    def set_opening_hours(self, market_id: int, opening_hours: str) -> Market:
        """Replace a market's days and hours (OSM ``opening_hours``, already checked)."""
        row = self.session.get(MarketRow, market_id)
        if row is None:
            raise NotFoundError(f"no market with id {market_id}")
        row.opening_hours = opening_hours
        row.open_days = open_days(opening_hours) or "0000000"
        row.updated_at = datetime.now(UTC)
        self.session.flush()
        return self.get(market_id)

    def ids_by_ref(self, refs: Sequence[str] | None = None) -> dict[str, int]:
        stmt = select(MarketRow.ref, MarketRow.id)
        if refs is not None:
            stmt = stmt.where(MarketRow.ref.in_(list(refs)))
        return {ref: id_ for ref, id_ in self.session.execute(stmt).all()}

    def upsert(self, markets: Sequence[Market]) -> UpsertResult:
        existing = {
            r.ref: r for r in self.session.scalars(
                select(MarketRow).where(MarketRow.ref.in_([m.ref for m in markets])))
        }
        result = UpsertResult()
        now = datetime.now(UTC)
        for m in markets:
            row = existing.get(m.ref)
            if row is None:
                row = MarketRow(ref=m.ref)
                self.session.add(row)
                result.inserted += 1
            else:
                result.updated += 1
            row.name, row.kind, row.opening_hours = m.name, m.kind.value, m.opening_hours
            row.open_days = open_days(m.opening_hours) or "0000000"
            row.address, row.source, row.updated_at = m.address, m.source, now
            row.geom = _wkb_point(m.lon, m.lat)
            result.refs.append(m.ref)
        self.session.flush()
        return result


class PointOfSaleRepository:
    """Points of sale (shops, producers, market stalls…)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self) -> Any:
        return select(PointOfSaleRow, MarketRow.ref).outerjoin(
            MarketRow, MarketRow.id == PointOfSaleRow.market_id
        )

    @staticmethod
    def _to_domain(row: PointOfSaleRow, market_ref: str | None) -> PointOfSale:
        lon, lat = _point(row)
        return PointOfSale(
            ref=row.ref, name=row.name, kind=PointOfSaleKind(row.kind), lon=lon, lat=lat,
            status=Status(row.status), categories=_categories(row.categories),
            opening_hours=row.opening_hours, wheelchair=Wheelchair(row.wheelchair),
            accepts_mona=bool(row.accepts_mona), address=row.address, market_ref=market_ref,
            source=row.source, id=row.id,
        )

    def list(self, filters: PointOfSaleFilter | None = None, *, limit: int | None = None,
             offset: int = 0) -> Page[PointOfSale]:
        f = filters or PointOfSaleFilter()
        conditions: list[ColumnElement[bool]] = []
        if f.bbox is not None:
            conditions.append(_bbox_filter(PointOfSaleRow.geom, f.bbox))
        if f.kinds:
            conditions.append(PointOfSaleRow.kind.in_([k.value for k in f.kinds]))
        if f.statuses:
            conditions.append(PointOfSaleRow.status.in_([s.value for s in f.statuses]))
        if f.category:
            conditions.append(PointOfSaleRow.categories.like(f"%;{f.category};%"))
        if f.open_on:
            conditions.append(_day_filter(PointOfSaleRow.open_days, f.open_on))
        if f.market_id is not None:
            conditions.append(PointOfSaleRow.market_id == f.market_id)
        if f.accepts_mona is not None:
            conditions.append(PointOfSaleRow.accepts_mona.is_(f.accepts_mona))
        if f.takes_mona is not None:
            payable = takes_mona_clause()
            conditions.append(payable if f.takes_mona else ~payable)
        stmt = self._select().where(and_(True, *conditions))
        total = self.session.scalar(
            select(func.count()).select_from(PointOfSaleRow).where(and_(True, *conditions))
        ) or 0
        stmt = stmt.order_by(PointOfSaleRow.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = self.session.execute(stmt).all()
        return Page([self._to_domain(r[0], r[1]) for r in rows], int(total))

    def get(self, pos_id: int) -> PointOfSale:
        row = self.session.execute(self._select().where(PointOfSaleRow.id == pos_id)).first()
        if row is None:
            raise NotFoundError(f"no point of sale with id {pos_id}")
        return self._to_domain(row[0], row[1])

    def get_by_ref(self, ref: str) -> PointOfSale:
        row = self.session.execute(self._select().where(PointOfSaleRow.ref == ref)).first()
        if row is None:
            raise NotFoundError(f"no point of sale with ref {ref!r}")
        return self._to_domain(row[0], row[1])

    def upsert(self, items: Sequence[PointOfSale], market_ids: dict[str, int]) -> UpsertResult:
        """Insert or update by ``ref``; ``market_ids`` resolves each stall's ``market_ref``."""
        unknown = sorted({p.market_ref for p in items if p.market_ref} - set(market_ids))
        if unknown:
            raise ValidationError(f"unknown market_ref(s): {', '.join(unknown)}")
        existing = {
            r.ref: r for r in self.session.scalars(
                select(PointOfSaleRow).where(PointOfSaleRow.ref.in_([p.ref for p in items])))
        }
        result = UpsertResult()
        now = datetime.now(UTC)
        for p in items:
            row = existing.get(p.ref)
            if row is None:
                row = PointOfSaleRow(ref=p.ref)
                self.session.add(row)
                result.inserted += 1
            else:
                result.updated += 1
            row.name, row.kind, row.status = p.name, p.kind.value, p.status.value
            row.categories = ";" + "".join(f"{c};" for c in p.categories)
            row.opening_hours, row.open_days = p.opening_hours, open_days(p.opening_hours)
            row.wheelchair, row.accepts_mona = p.wheelchair.value, p.accepts_mona
            row.address, row.source, row.updated_at = p.address, p.source, now
            row.market_id = market_ids[p.market_ref] if p.market_ref else None
            row.geom = _wkb_point(p.lon, p.lat)
            result.refs.append(p.ref)
        self.session.flush()
        return result

    def set_opening_hours(self, pos_id: int, opening_hours: str | None) -> PointOfSale:
        """Replace a point of sale's hours (OSM ``opening_hours``, already checked)."""
        row = self.session.get(PointOfSaleRow, pos_id)
        if row is None:
            raise NotFoundError(f"no point of sale with id {pos_id}")
        row.opening_hours, row.open_days = opening_hours, open_days(opening_hours)
        row.updated_at = datetime.now(UTC)
        self.session.flush()
        return self.get(pos_id)

    def set_status(self, pos_id: int, status: Status, *, accepts_mona: bool | None = None) -> (
        PointOfSale
    ):
        row = self.session.get(PointOfSaleRow, pos_id)
        if row is None:
            raise NotFoundError(f"no point of sale with id {pos_id}")
        accepts = (status is Status.CONVENTIONNE) if accepts_mona is None else accepts_mona
        if accepts and status is not Status.CONVENTIONNE:
            raise ValidationError("accepts_mona is only possible when status is conventionne")
        row.status, row.accepts_mona, row.updated_at = status.value, accepts, datetime.now(UTC)
        self.session.flush()
        return self.get(pos_id)


class NeighbourhoodRepository:
    """Zones of the territory, at each of its levels (communes, IRIS…)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _to_domain(row: NeighbourhoodRow) -> tuple[Neighbourhood, BaseGeometry]:
        n = Neighbourhood(
            code=row.code, name=row.name, level=row.level,
            population=row.population, population_year=row.population_year,
            parent_code=row.parent_code, median_income_uc_eur=row.median_income_uc_eur,
            benefit_dependent_share=row.benefit_dependent_share, extra=dict(row.extra or {}),
            id=row.id,
        )
        return n, to_shape(row.geom)

    def list(self, *, level: str | None = None, bbox: BBox | None = None,
             limit: int | None = None, offset: int = 0) -> Page[tuple[Neighbourhood,
                                                                      BaseGeometry]]:
        conditions: list[ColumnElement[bool]] = []
        if level is not None:
            conditions.append(NeighbourhoodRow.level == level)
        if bbox is not None:
            conditions.append(_bbox_filter(NeighbourhoodRow.geom, bbox))
        where = and_(True, *conditions)
        total = self.session.scalar(
            select(func.count()).select_from(NeighbourhoodRow).where(where)) or 0
        stmt = select(NeighbourhoodRow).where(where).order_by(NeighbourhoodRow.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return Page([self._to_domain(r) for r in self.session.scalars(stmt)], int(total))

    def get(self, nid: int) -> tuple[Neighbourhood, BaseGeometry]:
        row = self.session.get(NeighbourhoodRow, nid)
        if row is None:
            raise NotFoundError(f"no neighbourhood with id {nid}")
        return self._to_domain(row)

    def replace_all(self, items: Sequence[tuple[Neighbourhood, BaseGeometry]]) -> int:
        self.session.execute(delete(NeighbourhoodRow))
        for n, geom in items:
            if geom.geom_type != "MultiPolygon":
                raise ValidationError(f"neighbourhood {n.code}: a MultiPolygon is expected")
            self.session.add(NeighbourhoodRow(
                code=n.code, name=n.name, level=n.level, parent_code=n.parent_code,
                population=n.population, population_year=n.population_year,
                median_income_uc_eur=n.median_income_uc_eur,
                benefit_dependent_share=n.benefit_dependent_share,
                extra=json.loads(json.dumps(n.extra)), geom=from_shape(geom, srid=SRID),
            ))
        self.session.flush()
        return len(items)
