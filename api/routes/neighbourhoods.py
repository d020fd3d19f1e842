"""Neighbourhoods: communes, quartiers and sous-quartiers with population and income."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import BBoxDep, SessionsDep, SettingsDep
from api.paging import links
from api.schemas import NeighbourhoodCollection, NeighbourhoodFeature, neighbourhood_feature
from geo_caisse.domain import NeighbourhoodLevel
from geo_caisse.storage.repositories import NeighbourhoodRepository

router = APIRouter(prefix="/api/neighbourhoods", tags=["neighbourhoods"])


@router.get("", response_model=NeighbourhoodCollection)
def list_neighbourhoods(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    level: NeighbourhoodLevel | None = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NeighbourhoodCollection:
    """Neighbourhood polygons as GeoJSON, paged."""
    limit = min(limit, settings.api.max_page_size)
    with sessions() as session:
        page = NeighbourhoodRepository(session).list(level=level, bbox=bbox, limit=limit,
                                                     offset=offset)
    features = [neighbourhood_feature(n, g) for n, g in page.items]
    return NeighbourhoodCollection(
        type="FeatureCollection", features=features, numberMatched=page.number_matched,
        numberReturned=len(features),
        links=links(request, offset=offset, limit=limit, returned=len(features),
                    matched=page.number_matched),
    )


@router.get("/{neighbourhood_id}", response_model=NeighbourhoodFeature)
def get_neighbourhood(sessions: SessionsDep,
                      neighbourhood_id: Annotated[int, Path(ge=1)]) -> NeighbourhoodFeature:
    """One neighbourhood."""
    with sessions() as session:
        return neighbourhood_feature(*NeighbourhoodRepository(session).get(neighbourhood_id))
