"""Points of sale: listing with filters, one item, the committee's status decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import BBoxDep, CoordinatorDep, SessionsDep, SettingsDep, store_changed
from api.paging import links
from api.schemas import PointOfSaleCollection, PointOfSaleFeature, StatusChange, pos_feature
from geo_caisse import services
from geo_caisse.domain import PointOfSaleKind, Status
from geo_caisse.opening_hours import check_weekday
from geo_caisse.storage.repositories import PointOfSaleFilter, PointOfSaleRepository

router = APIRouter(prefix="/api/points-of-sale", tags=["points of sale"])


@router.get("", response_model=PointOfSaleCollection, response_model_exclude_none=False)
def list_points_of_sale(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    kind: Annotated[list[PointOfSaleKind] | None, Query()] = None,
    status: Annotated[list[Status] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    open_on: Annotated[str | None, Query(description="Mo, Tu, We, Th, Fr, Sa or Su")] = None,
    market_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PointOfSaleCollection:
    """Points of sale as a GeoJSON FeatureCollection (WGS84), paged."""
    limit = min(limit, settings.api.max_page_size)
    filters = PointOfSaleFilter(
        bbox=bbox, kinds=kind or (), statuses=status or (), category=category,
        open_on=check_weekday(open_on) if open_on else None, market_id=market_id,
    )
    with sessions() as session:
        page = PointOfSaleRepository(session).list(filters, limit=limit, offset=offset)
    features = [pos_feature(p) for p in page.items]
    return PointOfSaleCollection(
        type="FeatureCollection", features=features, numberMatched=page.number_matched,
        numberReturned=len(features),
        links=links(request, offset=offset, limit=limit, returned=len(features),
                    matched=page.number_matched),
    )


@router.get("/{pos_id}", response_model=PointOfSaleFeature)
def get_point_of_sale(sessions: SessionsDep, pos_id: Annotated[int, Path(ge=1)]) -> (
    PointOfSaleFeature
):
    """One point of sale."""
    with sessions() as session:
        return pos_feature(PointOfSaleRepository(session).get(pos_id))


@router.patch("/{pos_id}/status", response_model=PointOfSaleFeature)
def change_status(
    sessions: SessionsDep, _coordinator: CoordinatorDep, pos_id: Annotated[int, Path(ge=1)],
    change: StatusChange, request: Request,
) -> PointOfSaleFeature:
    """Record the committee's decision (coordinators only)."""
    pos = services.set_status(sessions, pos_id, change.status, accepts_mona=change.accepts_mona)
    store_changed(request)
    return pos_feature(pos)
