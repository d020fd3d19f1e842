"""Points of sale: listing with filters, one item, the committee's status decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import (
    MAX_ID,
    BBoxDep,
    LayersChangedDep,
    LayersWriterDep,
    OpenOnDep,
    SessionsDep,
    SettingsDep,
)
from api.errors import responses
from api.paging import links
from api.schemas.layers import (
    PointOfSaleCollection,
    PointOfSaleFeature,
    StatusChange,
    pos_feature,
)
from geo_caisse.core.domain import CATEGORIES, PointOfSaleKind, Status
from geo_caisse.layers import queries
from geo_caisse.layers.status import set_status
from geo_caisse.storage.layers import PointOfSaleFilter

router = APIRouter(prefix="/api/points-of-sale", tags=["points of sale"])
PosId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=PointOfSaleCollection, responses=responses(422))
def list_points_of_sale(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    open_on: OpenOnDep,
    kind: Annotated[list[PointOfSaleKind] | None, Query()] = None,
    status: Annotated[list[Status] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40,
                                          description=", ".join(CATEGORIES))] = None,
    market_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> PointOfSaleCollection:
    """Points of sale as a GeoJSON FeatureCollection (WGS84), paged."""
    limit = min(limit, settings.api.max_page_size)
    page = queries.points_of_sale(sessions, PointOfSaleFilter(
        bbox=bbox, kinds=kind or (), statuses=status or (), category=category,
        open_on=open_on, market_id=market_id), limit=limit, offset=offset)
    features = [pos_feature(p) for p in page.items]
    return PointOfSaleCollection(
        type="FeatureCollection", features=features, numberMatched=page.number_matched,
        numberReturned=len(features),
        links=links(request, offset=offset, limit=limit, returned=len(features),
                    matched=page.number_matched),
    )


@router.get("/{pos_id}", response_model=PointOfSaleFeature, responses=responses(404, 422))
def get_point_of_sale(sessions: SessionsDep, pos_id: PosId) -> PointOfSaleFeature:
    """One point of sale."""
    return pos_feature(queries.point_of_sale(sessions, pos_id))


@router.patch("/{pos_id}/status", response_model=PointOfSaleFeature,
              responses=responses(401, 403, 404, 409, 413, 422))
def change_status(sessions: SessionsDep, user: LayersWriterDep, pos_id: PosId,
                  change: StatusChange, changed: LayersChangedDep) -> PointOfSaleFeature:
    """Record the committee's decision (coordinators only; the change goes into the point of
    sale's history with who made it)."""
    pos = set_status(sessions, pos_id, change.status, accepts_mona=change.accepts_mona,
                     by=user.username, reason="API")
    changed()
    return pos_feature(pos)
