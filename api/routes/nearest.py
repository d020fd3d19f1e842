"""The nearest conventionnés to a place (straight line; walking time comes with the network)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import OpenOnDep, SessionsDep, TerritoryDep
from api.errors import responses
from api.schemas.layers import PointOfSaleCollection, pos_feature
from geo_caisse.layers.nearest import nearest_conventionnes

router = APIRouter(prefix="/api", tags=["nearest"])


@router.get("/nearest", response_model=PointOfSaleCollection, responses=responses(422))
def nearest(
    sessions: SessionsDep,
    territory: TerritoryDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    open_on: OpenOnDep,
    n: Annotated[int, Query(ge=1, le=100)] = 5,
) -> PointOfSaleCollection:
    """The ``n`` conventionnés accepting the Mona nearest to lon/lat, with ``distance_m``.

    The place searched is not stored or logged.
    """
    found = nearest_conventionnes(sessions, territory, lon=lon, lat=lat, n=n, open_on=open_on)
    features = [pos_feature(r.point_of_sale, distance_m=r.distance_m) for r in found]
    return PointOfSaleCollection(type="FeatureCollection", features=features,
                                 numberMatched=len(features), numberReturned=len(features))
