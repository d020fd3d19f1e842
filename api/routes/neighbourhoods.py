"""Neighbourhoods: the territory's zones with population and income."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import MAX_ID, BBoxDep, LevelDep, SessionsDep, SettingsDep
from api.errors import responses
from api.paging import links
from api.schemas.layers import (
    NeighbourhoodCollection,
    NeighbourhoodFeature,
    neighbourhood_feature,
)
from geo_caisse.layers import queries

router = APIRouter(prefix="/api/neighbourhoods", tags=["neighbourhoods"])


@router.get("", response_model=NeighbourhoodCollection, responses=responses(422))
def list_neighbourhoods(
    request: Request,
    level: LevelDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> NeighbourhoodCollection:
    """Neighbourhood polygons as GeoJSON, paged."""
    limit = min(limit, settings.api.max_page_size)
    page = queries.neighbourhoods(sessions, level=level, bbox=bbox, limit=limit, offset=offset)
    features = [neighbourhood_feature(n, g) for n, g in page.items]
    return NeighbourhoodCollection(
        type="FeatureCollection", features=features, numberMatched=page.number_matched,
        numberReturned=len(features),
        links=links(request, offset=offset, limit=limit, returned=len(features),
                    matched=page.number_matched),
    )


@router.get("/{neighbourhood_id}", response_model=NeighbourhoodFeature,
            responses=responses(404, 422))
def get_neighbourhood(sessions: SessionsDep, neighbourhood_id: Annotated[
        int, Path(ge=1, le=MAX_ID)]) -> NeighbourhoodFeature:
    """One neighbourhood."""
    return neighbourhood_feature(*queries.neighbourhood(sessions, neighbourhood_id))
