"""The member map's places and the base map's tiles (public: open data, nothing stored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import BaseMapDep, OptionalWalkingDep, SessionsDep, TerritoryDep, throttled
from api.errors import responses
from api.schemas.places import Moment, PlacesIn, PlacesOut, Route, place_out
from geo_caisse.core.opening_hours import clock
from geo_caisse.walk.places import find_places

router = APIRouter(tags=["places"])
MVT = "application/vnd.mapbox-vector-tile"


@router.post("/api/places", response_model=PlacesOut, dependencies=[throttled("places")],
             responses=responses(413, 422, 429, 503))
async def places(body: PlacesIn, response: Response, sessions: SessionsDep,
                 territory: TerritoryDep, walking: OptionalWalkingDep) -> PlacesOut:
    """Where to spend the MonA: the places of ``kinds`` open at ``when``, with their hours
    then, and, from a place, the walk to each (nearest first, within ``max_walk_min``; the
    nearest beyond when none is within) and the way to the first (or to ``route_to``)."""
    response.headers["Cache-Control"] = "no-store"
    answer = await run_in_threadpool(
        find_places, sessions, territory, walking=walking, lon=body.lon, lat=body.lat,
        kinds=body.kinds, when=body.when, max_walk_min=body.max_walk_min, n=body.n,
        route=body.route, route_to=body.route_to)
    at = answer.shown_at
    return PlacesOut(
        at=Moment(weekday=at.weekday, time=None if at.minute is None else clock(at.minute),
                  now=at.now),
        filtered=answer.moment is not None, method=answer.method, snap_m=answer.snap_m,
        detour_factor=answer.detour_factor,
        walk_speed_kmh=territory.access.walk_speed_kmh, matching=answer.matching,
        places=[place_out(f) for f in answer.places],
        beyond=None if answer.beyond is None else place_out(answer.beyond),
        route=None if answer.route is None else Route(type="LineString",
                                                      coordinates=answer.route))


@router.get("/tiles/{z}/{x}/{y}.mvt", response_class=Response, tags=["base map"],
            responses={200: {"content": {MVT: {}}}, **responses(422, 503)})
def tile(basemap: BaseMapDep, z: Annotated[int, Path(ge=0, le=22)],
         x: Annotated[int, Path(ge=0, le=2**22)], y: Annotated[int, Path(ge=0, le=2**22)]
         ) -> Response:
    """A vector tile (MVT) of the base map, cut from the territory's open data; empty where
    there is nothing to draw."""
    body = basemap.tile(z, x, y)
    headers = {"Cache-Control": "public, max-age=86400"}
    if body:
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=MVT, headers=headers)
