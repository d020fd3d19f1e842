"""Walking access: nearest conventionnés on foot, food deserts, what-if and candidates.

All of it is computed from open data (the street network, census populations and the
list of conventionnés): no member data is involved. The place a member searches is
neither stored nor logged.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator
from shapely.geometry import mapping

from api.deps import SessionsDep, TerritoryDep
from api.schemas import PointOfSaleFeature, pos_feature
from geo_caisse._errors import DataError
from geo_caisse.deserts import (
    DesertReport,
    areas_feature_collection,
    cells_feature_collection,
    report_metadata,
)
from geo_caisse.domain import NeighbourhoodLevel, PointOfSale, Status
from geo_caisse.opening_hours import check_weekday
from geo_caisse.storage.repositories import NeighbourhoodRepository
from geo_caisse.walking import WalkingService

router = APIRouter(prefix="/api", tags=["walking"])

GEOJSON = "application/geo+json"


def get_walking(request: Request) -> WalkingService:
    service = getattr(request.app.state, "walking", None)
    if service is None:
        raise DataError("walking analysis is not configured for this territory "
                        "([network] and [population] in territory.toml)")
    return service  # type: ignore[no-any-return]


WalkingDep = Annotated[WalkingService, Depends(get_walking)]
Weekday = Annotated[str | None, Query(description="only points of sale open that day: Mo..Su")]
Threshold = Annotated[float | None, Query(gt=0, le=120,
                                          description="desert threshold, minutes of walk")]


def _day(value: str | None) -> str | None:
    return check_weekday(value) if value else None


class WalkFeatureProperties(BaseModel):
    walk_min: float
    walk_m: float


class NearestWalkResponse(BaseModel):
    method: str = Field(description="network, or straight_line_estimate outside the network")
    snap_m: float = Field(description="straight distance from the place to the network")
    detour_factor: float | None
    walk_speed_kmh: float
    features: list[PointOfSaleFeature]
    walk: list[WalkFeatureProperties]
    route: dict[str, Any] | None = Field(description="GeoJSON LineString to the nearest one")


@router.get("/walk/nearest", response_model=NearestWalkResponse)
async def walk_nearest(
    request: Request, sessions: SessionsDep, walking: WalkingDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    n: Annotated[int, Query(ge=1, le=10)] = 5,
    open_on: Weekday = None,
    route: bool = False,
) -> Response:
    """The ``n`` nearest conventionnés accepting the Mona by walking time.

    Times are read from distances stored for every street node: no search per request.
    Outside the network's coverage, a straight-line estimate is returned and labelled.
    """
    return await _walk_nearest(request, sessions, walking, lon, lat, n, open_on, route)


class WalkFrom(BaseModel):
    """A place to walk from, in a request body (so that no URL, hence no log, holds it)."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    n: int = Field(default=5, ge=1, le=10)
    open_on: str | None = None
    route: bool = False


@router.post("/walk/nearest", response_model=NearestWalkResponse)
async def walk_nearest_post(request: Request, sessions: SessionsDep, walking: WalkingDep,
                            body: WalkFrom) -> Response:
    """As ``GET /api/walk/nearest``, the place in the body: what the member map uses."""
    response = await _walk_nearest(request, sessions, walking, body.lon, body.lat, body.n,
                                   body.open_on, body.route)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _walk_nearest(request: Request, sessions: SessionsDep, walking: WalkingService,
                        lon: float, lat: float, n: int, open_on: str | None,
                        route: bool) -> Response:
    day = _day(open_on)
    if not walking.is_ready(day):  # the store is read, or tables built, off the event loop
        await run_in_threadpool(walking.prepare, sessions, day)
    answer = walking.nearest(sessions, lon=lon, lat=lat, n=n, open_on=day, route=route)
    body = {
        "method": answer.method, "snap_m": round(answer.snap_m, 1),
        "detour_factor": answer.detour_factor,
        "walk_speed_kmh": walking.territory.access.walk_speed_kmh,
        "features": [_feature(request, r.point_of_sale) for r in answer.results],
        "walk": [{"walk_min": round(r.walk_min, 1), "walk_m": round(r.distance_m, 1)}
                 for r in answer.results],
        "route": None if answer.route is None else {
            "type": "LineString", "coordinates": [list(c) for c in answer.route]},
    }
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    media_type="application/json")


def _feature(request: Request, pos: PointOfSale) -> dict[str, Any]:
    """A point of sale's GeoJSON feature, serialised once per object (the list is re-read
    only when the conventionnés change)."""
    cache: dict[int, tuple[PointOfSale, dict[str, Any]]] = request.app.state.feature_cache
    hit = cache.get(id(pos))
    if hit is None or hit[0] is not pos:
        if len(cache) > 10_000:
            cache.clear()
        hit = (pos, pos_feature(pos).model_dump(mode="json"))
        cache[id(pos)] = hit
    return hit[1]


def _report(sessions: SessionsDep, walking: WalkingDep, threshold_min: Threshold = None,
            open_on: Weekday = None,
            walk_speed_kmh: Annotated[float | None, Query(ge=2, le=7)] = None
            ) -> DesertReport:
    return walking.deserts(sessions, threshold_min=threshold_min, open_on=_day(open_on),
                           walk_speed_kmh=walk_speed_kmh)


ReportDep = Annotated[DesertReport, Depends(_report)]


def _cached_geojson(request: Request, key: tuple[object, ...], report: DesertReport,
                    build: Any) -> Response:
    cache: dict[tuple[object, ...], tuple[DesertReport, bytes]] = \
        request.app.state.geojson_cache
    hit = cache.get(key)
    if hit is None or hit[0] is not report:
        if len(cache) > 64:
            cache.clear()
        hit = (report, json.dumps(build(), ensure_ascii=False,
                                  separators=(",", ":")).encode())
        cache[key] = hit
    return Response(hit[1], media_type=GEOJSON)


@router.get("/deserts/cells", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def desert_cells(request: Request, report: ReportDep) -> Response:
    """Low access and food deserts per square cell (GeoJSON, WGS84), with the method used."""
    return _cached_geojson(request, ("cells", id(report)), report,
                           lambda: cells_feature_collection(report))


@router.get("/deserts/areas", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def desert_areas(request: Request, sessions: SessionsDep, report: ReportDep,
                 level: NeighbourhoodLevel = NeighbourhoodLevel.SOUS_QUARTIER) -> Response:
    """Low access and food deserts per neighbourhood of ``level`` (GeoJSON, WGS84).

    Areas outside the network's coverage carry their census population in
    ``population_outside_network`` and no walking figure.
    """
    def build() -> dict[str, object]:
        with sessions() as session:
            items = NeighbourhoodRepository(session).list(level=level).items
        geoms = {n.code: dict(mapping(g)) for n, g in items}
        return areas_feature_collection(report, level.value, geoms)

    return _cached_geojson(request, ("areas", level.value, id(report)), report, build)


@router.get("/deserts/summary")
def desert_summary(report: ReportDep) -> dict[str, object]:
    """Totals of the territory and the definitions used."""
    return report_metadata(report)


class WhatIfRequest(BaseModel):
    add_lon: float | None = Field(default=None, ge=-180, le=180)
    add_lat: float | None = Field(default=None, ge=-90, le=90)
    remove_id: int | None = Field(default=None, ge=1)
    threshold_min: float | None = Field(default=None, gt=0, le=120)
    open_on: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> WhatIfRequest:
        adding = self.add_lon is not None or self.add_lat is not None
        if adding and (self.add_lon is None or self.add_lat is None):
            raise ValueError("add_lon and add_lat go together")
        if adding == (self.remove_id is not None):
            raise ValueError("give either add_lon and add_lat, or remove_id")
        return self


class WhatIfResponse(BaseModel):
    threshold_min: float
    nodes_changed: int
    people_closer: float
    people_out_of_low_access: float
    low_income_out_of_desert: float
    people_into_low_access: float
    low_income_into_desert: float
    mean_change_min: float


@router.post("/whatif", response_model=WhatIfResponse)
def what_if(body: WhatIfRequest, sessions: SessionsDep, walking: WalkingDep) -> WhatIfResponse:
    """What conventioning one more point (``add_lon``/``add_lat``) or ending one convention
    (``remove_id``) would change: people leaving or entering low access and the desert."""
    threshold = body.threshold_min or walking.territory.access.desert_threshold_min
    change = walking.what_if(sessions, add_lon=body.add_lon, add_lat=body.add_lat,
                             remove_id=body.remove_id, threshold_min=threshold,
                             open_on=_day(body.open_on))
    return WhatIfResponse(
        threshold_min=threshold, nodes_changed=change.nodes_changed,
        people_closer=round(change.people_closer, 1),
        people_out_of_low_access=round(change.people_out_of_low_access, 1),
        low_income_out_of_desert=round(change.low_income_out_of_low_access, 1),
        people_into_low_access=round(change.people_into_low_access, 1),
        low_income_into_desert=round(change.low_income_into_low_access, 1),
        mean_change_min=round(change.mean_change_min, 2))


class CandidateScore(BaseModel):
    rank: int
    people_within_reach: float
    low_income_within_reach: float
    feature: PointOfSaleFeature


@router.get("/whatif/candidates", response_model=list[CandidateScore])
def candidates(sessions: SessionsDep, walking: WalkingDep,
               top: Annotated[int, Query(ge=1, le=1000)] = 20,
               threshold_min: Threshold = None, open_on: Weekday = None
               ) -> list[CandidateScore]:
    """Points of sale not yet conventionnés, ranked by the low-income people (then all
    people) each would bring within ``threshold_min`` of a conventionné, one at a time."""
    ranked = walking.rank_candidates(sessions, top=top, threshold_min=threshold_min,
                                     open_on=_day(open_on))
    return [CandidateScore(rank=i + 1,
                           people_within_reach=round(r.score.people_within_reach, 1),
                           low_income_within_reach=round(r.score.low_income_within_reach, 1),
                           feature=pos_feature(r.point_of_sale))
            for i, r in enumerate(ranked)]


@router.get("/print/{layer}.{fmt}", response_class=Response, tags=["import and export"])
async def print_map(
    sessions: SessionsDep, territory: TerritoryDep, walking: WalkingDep,
    layer: Annotated[Literal["deserts", "conventionnes", "markets"], Path()],
    fmt: Annotated[Literal["png", "pdf"], Path()],
    threshold_min: Threshold = None, open_on: Weekday = None,
) -> Response:
    """A printable A4 map of an open layer (no member information), as PNG or PDF."""
    from geo_caisse import printmap
    from geo_caisse.storage.repositories import (
        MarketRepository,
        PointOfSaleFilter,
        PointOfSaleRepository,
    )

    def render() -> bytes:
        points: list[tuple[float, float, str]] = []
        with sessions() as session:
            repo = NeighbourhoodRepository(session)
            outlines = [g for _, g in repo.list(level=NeighbourhoodLevel.QUARTIER).items]
            outlines += [g for _, g in repo.list(level=NeighbourhoodLevel.COMMUNE).items]
            if layer == "conventionnes":
                items = PointOfSaleRepository(session).list(PointOfSaleFilter()).items
                points = [(p.lon, p.lat, p.kind.value) for p in items
                          if p.status is Status.CONVENTIONNE and p.accepts_mona]
            elif layer == "markets":
                points = [(m.lon, m.lat, "market")
                          for m in MarketRepository(session).list().items]
        if layer == "deserts":
            report = walking.deserts(sessions, threshold_min=threshold_min,
                                     open_on=_day(open_on))
            return printmap.desert_map(territory, report, outlines, fmt=fmt)
        title = {"conventionnes": "Points de vente conventionnés",
                 "markets": "Marchés"}[layer] + f" — {territory.name}"
        return printmap.points_map(territory, points, outlines, title=title, fmt=fmt)

    body = await run_in_threadpool(render)
    return Response(body, media_type=printmap.FORMATS[fmt], headers={
        "Content-Disposition": f'inline; filename="{layer}.{fmt}"'})
