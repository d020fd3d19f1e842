"""Suggestions from the member map, and coordinators' decisions on them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import StrictFloat
from api.schemas.layers import PointOfSaleFeature

PlaceKind = Literal["producer", "shop", "epicerie", "cooperative", "amap"]


class SuggestionIn(BaseModel):
    """A place where to pay in MonA (``new_place``), or the hours of a ``place``. Give no
    name or contact of yours: none is kept."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["new_place", "hours"]
    name: str | None = Field(default=None, max_length=200)
    place_kind: PlaceKind | None = None
    address: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200,
                              description="as one would say them: 'mardi 7 h 30 – 13 h 30'")
    comment: str | None = Field(default=None, max_length=1000)
    place: str | None = Field(default=None, max_length=40,
                              pattern=r"^(market|point_of_sale):\d{1,15}$")


class SuggestionOut(BaseModel):
    id: int
    kind: str
    status: str
    name: str | None
    place_kind: str | None
    address: str | None
    hours: str | None
    comment: str | None
    place: str | None
    place_name: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None


class Received(BaseModel):
    id: int
    status: str


class AcceptIn(BaseModel):
    """For hours: ``opening_hours`` (OSM syntax). For a new place: where it is
    (``lon``/``lat``) and, to correct what was suggested, ``name``, ``kind``,
    ``opening_hours``, ``address``."""

    model_config = ConfigDict(extra="forbid")
    opening_hours: str | None = Field(default=None, max_length=255)
    lon: StrictFloat | None = Field(default=None, ge=-180, le=180)
    lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    name: str | None = Field(default=None, max_length=200)
    kind: PlaceKind | None = None
    address: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=1000)


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=1000)


class Decision(BaseModel):
    suggestion: SuggestionOut
    point_of_sale: PointOfSaleFeature | None = None
