"""The Mona flows over HTTP (coordinators and the committee; a producer: its own basin).

Every figure aggregates at least the territory's minimum group of members
(:mod:`geo_caisse.core.privacy`); hidden figures are null and marked ``suppressed``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import FlowsDep, FlowsReaderDep, OwnPointOfSaleQueryDep
from api.errors import responses
from api.schemas.common import PERIOD_PATTERN, YEAR_PATTERN
from api.schemas.flows import (
    Basin,
    HeatmapCollection,
    LinesCollection,
    Respend,
    SpendCollection,
    Summary,
)

router = APIRouter(prefix="/api/flows", tags=["flows"])

Period = Annotated[str | None, Query(description="YYYY or YYYY-MM (default: latest year)",
                                     pattern=PERIOD_PATTERN)]
Year = Annotated[str | None, Query(description="YYYY (default: latest year)",
                                   pattern=YEAR_PATTERN)]
GUARDED = responses(401, 403, 404, 422)


@router.get("/heatmap", response_model=HeatmapCollection, responses=GUARDED)
def heatmap(_user: FlowsReaderDep, flows: FlowsDep, period: Period = None) -> dict[str, Any]:
    """MonA spent by members, by home area of at least the minimum group (GeoJSON)."""
    return flows.homes.heatmap(period or flows.year_or_latest(None))


@router.get("/spend", response_model=SpendCollection, responses=GUARDED)
def spend(_user: FlowsReaderDep, flows: FlowsDep, year: Year = None) -> dict[str, Any]:
    """Where the MonA is spent: areas of points of sale paid by the minimum group (GeoJSON)."""
    return flows.vendors.spend_heatmap(flows.year_or_latest(year))


@router.get("/lines", response_model=LinesCollection, responses=GUARDED)
def lines(_user: FlowsReaderDep, flows: FlowsDep, year: Year = None,
          by: Literal["market", "point_of_sale"] = "market") -> dict[str, Any]:
    """Flows from home areas to markets (or points of sale), each of the minimum group."""
    return flows.homes.lines(flows.year_or_latest(year), by=by)


@router.get("/summary", response_model=Summary, responses=GUARDED)
def summary(_user: FlowsReaderDep, flows: FlowsDep, period: Period = None) -> dict[str, Any]:
    """Centre share, producers' share and every transfer by kind, for a year or month."""
    chosen = period or flows.year_or_latest(None)
    return {"period": chosen, "years": flows.years(), "months": flows.data.months,
            "centre": flows.shares.centre(chosen), "producers": flows.shares.producers(chosen),
            "classification": flows.shares.classification(chosen)}


@router.get("/respend", response_model=Respend, responses=GUARDED)
def respend(_user: FlowsReaderDep, flows: FlowsDep, year: Year = None) -> dict[str, Any]:
    """MonA that points of sale pay each other, by kind (no member involved)."""
    return flows.shares.respend(flows.year_or_latest(year))


@router.get("/basin", response_model=Basin, responses=GUARDED)
def basin(point_of_sale_id: OwnPointOfSaleQueryDep, flows: FlowsDep,
          year: Year = None) -> dict[str, Any]:
    """Where a point of sale's payers live (a producer: only its own point of sale)."""
    return flows.homes.basin(point_of_sale_id, flows.year_or_latest(year))
