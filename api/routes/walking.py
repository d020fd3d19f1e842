"""Walking access: nearest conventionnés on foot, food deserts, what-if and candidates.

All of it is computed from open data (the street network, census populations and the
list of conventionnés): no member data is involved. The place a member searches is
neither stored nor logged.
"""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import (
    FinestLevelDep,
    HeavyDep,
    OpenOnDep,
    OptionalWalkingDep,
    ReportDep,
    SessionsDep,
    TerritoryDep,
    Threshold,
    WalkingDep,
    weekday,
)
from api.errors import responses
from api.schemas.layers import pos_feature, pos_feature_json
from api.schemas.walking import (
    CandidateScore,
    DesertCollection,
    DesertSummary,
    NearestWalkResponse,
    WalkFrom,
    WhatIfRequest,
    WhatIfResponse,
)
from geo_caisse.walk.deserts import report_metadata
from geo_caisse.walk.missing import low_income_missing
from geo_caisse.walk.printmap import FORMATS, layer_map
from geo_caisse.walk.service import WalkingService

router = APIRouter(prefix="/api", tags=["walking"])

GEOJSON = "application/geo+json"


@router.get("/walk/nearest", response_model=NearestWalkResponse,
            responses=responses(422, 503))
async def walk_nearest(
    walking: WalkingDep, sessions: SessionsDep, open_on: OpenOnDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    n: Annotated[int, Query(ge=1, le=10)] = 5,
    route: bool = False,
) -> Response:
    """The ``n`` nearest conventionnés accepting the Mona by walking time.

    Times are read from distances stored for every street node: no search per request.
    Outside the network's coverage, a straight-line estimate is returned and labelled.
    """
    return await _walk_nearest(walking, sessions, lon, lat, n, open_on, route)


@router.post("/walk/nearest", response_model=NearestWalkResponse,
             responses=responses(413, 422, 503))
async def walk_nearest_post(walking: WalkingDep, sessions: SessionsDep,
                            body: WalkFrom) -> Response:
    """As ``GET /api/walk/nearest``, the place in the body: what the member map uses."""
    response = await _walk_nearest(walking, sessions, body.lon, body.lat, body.n,
                                   weekday(body.open_on), body.route)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _walk_nearest(walking: WalkingService, sessions: SessionsDep, lon: float, lat: float,
                        n: int, day: str | None, route: bool) -> Response:
    if not walking.is_ready(day):  # the store is read, or tables built, off the event loop
        await run_in_threadpool(walking.prepare, sessions, day)
    answer = walking.nearest(sessions, lon=lon, lat=lat, n=n, open_on=day, route=route)
    body = {
        "method": answer.method, "snap_m": round(answer.snap_m, 1),
        "detour_factor": answer.detour_factor,
        "walk_speed_kmh": walking.territory.access.walk_speed_kmh,
        "features": [pos_feature_json(r.point_of_sale) for r in answer.results],
        "walk": [{"walk_min": round(r.walk_min, 1), "walk_m": round(r.distance_m, 1)}
                 for r in answer.results],
        "route": None if answer.route is None else {
            "type": "LineString", "coordinates": [list(c) for c in answer.route]},
    }
    # orjson: the same bytes as json.dumps(ensure_ascii=False, compact), ~2 µs instead of ~35
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY),
                    media_type="application/json")


@router.get("/deserts/cells", response_model=DesertCollection, response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}, **responses(422, 503)})
def desert_cells(sessions: SessionsDep, walking: WalkingDep, report: ReportDep) -> Response:
    """Low access and food deserts per square cell (GeoJSON, WGS84), with the method used."""
    return Response(walking.desert_geojson(sessions, report), media_type=GEOJSON)


@router.get("/deserts/areas", response_model=DesertCollection, response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}, **responses(422, 503)})
def desert_areas(level: FinestLevelDep, sessions: SessionsDep, walking: WalkingDep,
                 report: ReportDep) -> Response:
    """Low access and food deserts per neighbourhood of ``level`` (GeoJSON, WGS84): one of
    the territory's levels, its finest by default.

    Areas outside the network's coverage carry their census population in
    ``population_outside_network`` and no walking figure.
    """
    return Response(walking.desert_geojson(sessions, report, level=level),
                    media_type=GEOJSON)


@router.get("/deserts/summary", response_model=DesertSummary, responses=responses(422, 503))
def desert_summary(report: ReportDep) -> dict[str, object]:
    """Totals of the territory and the definitions used."""
    return report_metadata(report)


@router.post("/whatif", response_model=WhatIfResponse, responses=responses(404, 413, 422, 503))
def what_if(body: WhatIfRequest, sessions: SessionsDep, walking: WalkingDep) -> WhatIfResponse:
    """What conventioning one more point (``add_lon``/``add_lat``) or ending one convention
    (``remove_id``) would change: people leaving or entering low access and the desert."""
    threshold = body.threshold_min or walking.territory.access.desert_threshold_min
    change = walking.what_if(sessions, add_lon=body.add_lon, add_lat=body.add_lat,
                             remove_id=body.remove_id, threshold_min=threshold,
                             open_on=weekday(body.open_on))
    no_income = low_income_missing(walking.territory, walking.population)
    return WhatIfResponse(
        threshold_min=threshold, nodes_changed=change.nodes_changed,
        people_closer=round(change.people_closer, 1),
        people_out_of_low_access=round(change.people_out_of_low_access, 1),
        low_income_out_of_desert=None if no_income else round(
            change.low_income_out_of_low_access, 1),
        people_into_low_access=round(change.people_into_low_access, 1),
        low_income_into_desert=None if no_income else round(
            change.low_income_into_low_access, 1),
        mean_change_min=round(change.mean_change_min, 2),
        unavailable={} if no_income is None else {"low_income": no_income})


@router.get("/whatif/candidates", response_model=list[CandidateScore],
            responses=responses(422, 503))
def candidates(sessions: SessionsDep, walking: WalkingDep, open_on: OpenOnDep,
               top: Annotated[int, Query(ge=1, le=1000)] = 20,
               threshold_min: Threshold = None) -> list[CandidateScore]:
    """Points of sale not yet conventionnés, ranked by the low-income people (then all
    people) each would bring within ``threshold_min`` of a conventionné, one at a time."""
    ranked = walking.rank_candidates(sessions, top=top, threshold_min=threshold_min,
                                     open_on=open_on)
    no_income = low_income_missing(walking.territory, walking.population)
    return [CandidateScore(rank=i + 1,
                           people_within_reach=round(r.score.people_within_reach, 1),
                           low_income_within_reach=None if no_income else round(
                               r.score.low_income_within_reach, 1),
                           feature=pos_feature(r.point_of_sale))
            for i, r in enumerate(ranked)]


@router.get("/print/{layer}.{fmt}", response_class=Response, tags=["import and export"],
            responses={200: {"content": {mime: {} for mime in FORMATS.values()}},
                       **responses(422, 503)})
async def print_map(
    sessions: SessionsDep, territory: TerritoryDep, walking: OptionalWalkingDep,
    heavy: HeavyDep, open_on: OpenOnDep,
    layer: Annotated[Literal["deserts", "conventionnes", "markets"], Path()],
    fmt: Annotated[Literal["png", "pdf"], Path()],
    threshold_min: Threshold = None,
) -> Response:
    """A printable A4 map of an open layer (no member information), as PNG or PDF."""
    body = await heavy.run(layer_map, sessions, territory, layer, fmt=fmt,
                                   walking=walking, threshold_min=threshold_min,
                                   open_on=open_on)
    return Response(body, media_type=FORMATS[fmt], headers={
        "Content-Disposition": f'inline; filename="{layer}.{fmt}"'})
