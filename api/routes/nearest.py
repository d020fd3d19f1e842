"""The nearest conventionnés to a place (straight line; walking time comes with the network)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionsDep, TerritoryDep
from api.schemas import PointOfSaleCollection, pos_feature
from geo_caisse import services
from geo_caisse.opening_hours import check_weekday

router = APIRouter(prefix="/api", tags=["nearest"])


@router.get("/nearest", response_model=PointOfSaleCollection)
def nearest(
    sessions: SessionsDep,
    territory: TerritoryDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    n: Annotated[int, Query(ge=1, le=100)] = 5,
    open_on: Annotated[str | None, Query(description="Mo..Su")] = None,
) -> PointOfSaleCollection:
    """The ``n`` conventionnés accepting the Mona nearest to lon/lat, with ``distance_m``.

    The place searched is not stored or logged.
    """
    found = services.nearest_conventionnes(
        sessions, territory, lon=lon, lat=lat, n=n,
        open_on=check_weekday(open_on) if open_on else None,
    )
    features = [pos_feature(r.point_of_sale, distance_m=r.distance_m) for r in found]
    return PointOfSaleCollection(type="FeatureCollection", features=features,
                                 numberMatched=len(features), numberReturned=len(features))
