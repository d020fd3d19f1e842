"""Markets: listing with filters and one market with its stalls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import MAX_ID, BBoxDep, OpenOnDep, SessionsDep, SettingsDep
from api.errors import responses
from api.paging import links
from api.schemas.layers import (
    MarketCollection,
    MarketFeature,
    PointOfSaleCollection,
    market_feature,
    pos_feature,
)
from geo_caisse.core.domain import MarketKind
from geo_caisse.layers import queries
from geo_caisse.storage.layers import MarketFilter

router = APIRouter(prefix="/api/markets", tags=["markets"])
MarketId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=MarketCollection, responses=responses(422))
def list_markets(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    open_on: OpenOnDep,
    kind: Annotated[list[MarketKind] | None, Query()] = None,
    with_conventionnes: Annotated[bool | None, Query(
        description="only markets with (true) or without (false) a conventionné stall")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> MarketCollection:
    """Markets as a GeoJSON FeatureCollection, with stall counts and visibility."""
    limit = min(limit, settings.api.max_page_size)
    page = queries.markets(sessions, MarketFilter(
        bbox=bbox, kinds=kind or (), open_on=open_on, with_conventionnes=with_conventionnes),
        limit=limit, offset=offset)
    features = [market_feature(m) for m in page.items]
    return MarketCollection(
        type="FeatureCollection", features=features, numberMatched=page.number_matched,
        numberReturned=len(features),
        links=links(request, offset=offset, limit=limit, returned=len(features),
                    matched=page.number_matched),
    )


@router.get("/{market_id}", response_model=MarketFeature, responses=responses(404, 422))
def get_market(sessions: SessionsDep, market_id: MarketId) -> MarketFeature:
    """One market."""
    return market_feature(queries.market(sessions, market_id))


@router.get("/{market_id}/stalls", response_model=PointOfSaleCollection,
            responses=responses(404, 422))
def market_stalls(sessions: SessionsDep, market_id: MarketId) -> PointOfSaleCollection:
    """The stalls present at one market."""
    page = queries.market_stalls(sessions, market_id)
    features = [pos_feature(p) for p in page.items]
    return PointOfSaleCollection(type="FeatureCollection", features=features,
                                 numberMatched=page.number_matched,
                                 numberReturned=len(features))
