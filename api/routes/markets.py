"""Markets: listing with filters and one market with its stalls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import BBoxDep, SessionsDep, SettingsDep
from api.paging import links
from api.schemas import (
    MarketCollection,
    MarketFeature,
    PointOfSaleCollection,
    market_feature,
    pos_feature,
)
from geo_caisse.domain import MarketKind
from geo_caisse.opening_hours import check_weekday
from geo_caisse.storage.repositories import (
    MarketFilter,
    MarketRepository,
    PointOfSaleFilter,
    PointOfSaleRepository,
)

router = APIRouter(prefix="/api/markets", tags=["markets"])


@router.get("", response_model=MarketCollection)
def list_markets(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    kind: Annotated[list[MarketKind] | None, Query()] = None,
    open_on: Annotated[str | None, Query(description="Mo, Tu, We, Th, Fr, Sa or Su")] = None,
    with_conventionnes: Annotated[bool | None, Query(
        description="only markets with (true) or without (false) a conventionné stall")] = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MarketCollection:
    """Markets as a GeoJSON FeatureCollection, with stall counts and visibility."""
    limit = min(limit, settings.api.max_page_size)
    filters = MarketFilter(bbox=bbox, kinds=kind or (),
                           open_on=check_weekday(open_on) if open_on else None,
                           with_conventionnes=with_conventionnes)
    with sessions() as session:
        page = MarketRepository(session).list(filters, limit=limit, offset=offset)
    features = [market_feature(m) for m in page.items]
    return MarketCollection(
        type="FeatureCollection", features=features, numberMatched=page.number_matched,
        numberReturned=len(features),
        links=links(request, offset=offset, limit=limit, returned=len(features),
                    matched=page.number_matched),
    )


@router.get("/{market_id}", response_model=MarketFeature)
def get_market(sessions: SessionsDep, market_id: Annotated[int, Path(ge=1)]) -> MarketFeature:
    """One market."""
    with sessions() as session:
        return market_feature(MarketRepository(session).get(market_id))


@router.get("/{market_id}/stalls", response_model=PointOfSaleCollection)
def market_stalls(sessions: SessionsDep, market_id: Annotated[int, Path(ge=1)]) -> (
    PointOfSaleCollection
):
    """The stalls present at one market."""
    with sessions() as session:
        MarketRepository(session).get(market_id)
        page = PointOfSaleRepository(session).list(PointOfSaleFilter(market_id=market_id))
    features = [pos_feature(p) for p in page.items]
    return PointOfSaleCollection(type="FeatureCollection", features=features,
                                 numberMatched=page.number_matched,
                                 numberReturned=len(features))
