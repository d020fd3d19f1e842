"""Tables. Geometries are WGS84 (SRID 4326); metric work happens in-process."""

from __future__ import annotations

from datetime import UTC, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo_caisse.domain import MarketKind, NeighbourhoodLevel, PointOfSaleKind, Status, Wheelchair

SRID = 4326

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: type) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"  # type: ignore[attr-defined]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NeighbourhoodRow(Base):
    __tablename__ = "neighbourhood"
    __table_args__ = (CheckConstraint(_in("level", NeighbourhoodLevel), name="level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(32))
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    median_income_uc_eur: Mapped[float | None] = mapped_column(Float)
    benefit_dependent_share: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True, nullable=False)
    )


class MarketRow(Base):
    __tablename__ = "market"
    __table_args__ = (CheckConstraint(_in("kind", MarketKind), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    opening_hours: Mapped[str] = mapped_column(Text)
    open_days: Mapped[str] = mapped_column(String(7))  # "0100010": Monday first
    address: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True, nullable=False)
    )


class PointOfSaleRow(Base):
    __tablename__ = "point_of_sale"
    __table_args__ = (
        CheckConstraint(_in("kind", PointOfSaleKind), name="kind"),
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("wheelchair", Wheelchair), name="wheelchair"),
        CheckConstraint("NOT accepts_mona OR status = 'conventionne'", name="mona_needs_status"),
        CheckConstraint("kind <> 'market_stall' OR market_id IS NOT NULL", name="stall_market"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # ";bakery;cheese;": delimited so one LIKE filter works on both backends
    categories: Mapped[str] = mapped_column(Text, default=";")
    opening_hours: Mapped[str | None] = mapped_column(Text)
    open_days: Mapped[str | None] = mapped_column(String(7))
    wheelchair: Mapped[str] = mapped_column(String(10), default=Wheelchair.UNKNOWN.value)
    accepts_mona: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(Text)
    market_id: Mapped[int | None] = mapped_column(
        ForeignKey("market.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True, nullable=False)
    )
