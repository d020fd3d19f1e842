"""Where the MonA is spent near a place: the places, their hours at the moment asked about,
the walk to each, and the way to one of them.

One search over the walking network from the member's place (the network is walked both
ways) gives the walking time to every place at once: the list view sorts by it, the walking
list keeps those within the limit, and the route to any of them follows the search's tree.
Outside the network's coverage the times are a straight-line estimate, labelled so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.crs import WGS84, transformer
from geo_caisse.core.domain import PointOfSaleKind
from geo_caisse.core.errors import DataError, ValidationError
from geo_caisse.core.opening_hours import read_opening_hours
from geo_caisse.core.places import (
    Moment,
    OpenStatus,
    Place,
    check_kinds,
    parse_when,
    select,
    status,
)
from geo_caisse.core.territory import Territory
from geo_caisse.storage.layers import MarketRepository, PointOfSaleFilter, PointOfSaleRepository
from geo_caisse.walk.accessibility import metres_per_minute
from geo_caisse.walk.service import WalkingService

#: the farthest a search goes (minutes of walk); places farther are "beyond reach"
SEARCH_LIMIT_MIN = 90.0


@dataclass(frozen=True)
class PlaceWalk:
    """A place and the walk to it."""

    place: Place
    walk_min: float
    walk_m: float


@dataclass(frozen=True)
class Walks:
    """Walks from one place to many, nearest first.

    ``method`` is ``network`` or ``straight_line_estimate`` (outside the network's coverage,
    straight line × ``detour_factor``); ``snap_m`` is the straight distance from the place to
    the network."""

    method: str
    snap_m: float
    detour_factor: float | None
    walks: list[PlaceWalk]
    node: int
    pred: NDArray[np.int32] | None


def payable_places(sessions: sessionmaker[Session]) -> list[Place]:
    """Every place where members may pay now: conventionnés accepting the MonA (stalls
    through their market) and markets with at least one of them."""
    with sessions() as session:
        points = PointOfSaleRepository(session).list(PointOfSaleFilter(takes_mona=True)).items
        markets = MarketRepository(session).list().items
    stalls: dict[str, int] = {}
    out = []
    for p in points:
        if p.kind is PointOfSaleKind.MARKET_STALL:
            stalls[p.market_ref or ""] = stalls.get(p.market_ref or "", 0) + 1
            continue
        out.append(Place(p.kind.value, int(p.id or 0), p.ref, p.name, p.lon, p.lat,
                         p.opening_hours, p.address, p.categories,
                         wheelchair=p.wheelchair.value))
    for m in markets:
        if stalls.get(m.ref):
            out.append(Place("market", int(m.id or 0), m.ref, m.name, m.lon, m.lat,
                             m.opening_hours, m.address, market_kind=m.kind.value,
                             stalls=stalls[m.ref]))
    return out


def walks_from(walking: WalkingService, places: list[Place], *, lon: float,
               lat: float) -> Walks:
    """The walk from ``lon``/``lat`` to each of ``places``, nearest first (the place itself
    is neither stored nor logged)."""
    from geo_caisse.walk import _kernels as kernels  # numba: at the first search
    territory = walking.territory
    territory.check_inside(lon, lat)
    net_cfg = territory.network
    assert net_cfg is not None
    to_metric = transformer(WGS84, territory.metric_crs)
    x, y = to_metric.transform(lon, lat)
    inside, snap_m = walking.on_network(float(x), float(y))
    m_per_min = metres_per_minute(territory.access.walk_speed_kmh)
    if not places:
        return Walks("network" if inside else "straight_line_estimate", snap_m, None, [],
                     -1, None)
    px, py = to_metric.transform(np.array([p.lon for p in places]),
                                 np.array([p.lat for p in places]))
    px, py = np.asarray(px, float), np.asarray(py, float)
    network = walking.network
    if inside:
        start, _ = network.snap([x], [y])
        node = int(start[0])
        hk, hv, hl = kernels.new_heap(network.n_edges, 1)
        dist, _, pred = kernels.multi_source(
            network.indptr, network.indices, network.length_m, np.array([node], np.int32),
            np.array([snap_m]), SEARCH_LIMIT_MIN * m_per_min, hk, hv, hl)
        p_node, p_off = network.snap(px, py)
        metres = dist[p_node] + p_off
        method, factor = "network", None
    else:
        node, pred = -1, None
        factor = net_cfg.detour_factor
        metres = np.hypot(px - x, py - y) * factor
        method = "straight_line_estimate"
    order = np.argsort(metres, kind="stable")
    walks = [PlaceWalk(places[i], float(metres[i] / m_per_min), float(metres[i]))
             for i in order if np.isfinite(metres[i])]
    return Walks(method, snap_m, factor, walks, node, pred)


def way_to(walking: WalkingService, found: Walks, place: Place, *, lon: float,
             lat: float) -> list[tuple[float, float]] | None:
    """The way on foot (lon/lat points) from the searched place to ``place``; None outside
    the network or beyond the search's reach."""
    if found.pred is None:
        return None
    network = walking.network
    x, y = transformer(WGS84, walking.territory.metric_crs).transform(place.lon, place.lat)
    target, _ = network.snap([x], [y])
    path = [int(target[0])]
    while path[-1] != found.node:
        step = int(found.pred[path[-1]])
        if step < 0 or len(path) > network.n_nodes:
            return None  # not reached within the search's limit
        path.append(step)
    path.reverse()
    rlon, rlat = network.lon_lat(path)
    return [(lon, lat), *zip(rlon.tolist(), rlat.tolist(), strict=True),
            (place.lon, place.lat)]


def within(found: Walks, *, max_walk_min: float, n: int | None = None
           ) -> tuple[list[PlaceWalk], PlaceWalk | None]:
    """The walks within ``max_walk_min`` (at most ``n``), and, when there is none, the
    nearest one beyond the limit."""
    if not 1 <= max_walk_min <= SEARCH_LIMIT_MIN:
        raise ValidationError(f"max_walk_min must be between 1 and {SEARCH_LIMIT_MIN:g}, "
                              f"got {max_walk_min!r}")
    near = [w for w in found.walks if w.walk_min <= max_walk_min]
    beyond = None if near or not found.walks else found.walks[0]
    return (near if n is None else near[:n]), beyond


@dataclass(frozen=True)
class Found:
    """A place that answers the member's question, its hours then, and the walk to it."""

    place: Place
    status: OpenStatus
    walk: PlaceWalk | None


@dataclass(frozen=True)
class PlacesAnswer:
    """The places that answer a member's question, nearest first from their place (by name
    without one), and how that was found.

    ``matching`` counts the places of the kinds asked for that answer the moment, whatever
    the distance; ``places`` are those within the walking limit (at most ``n``); when none
    is, ``beyond`` is the nearest one past it. ``route`` goes to ``places[0]`` (or
    ``beyond``, or the place asked for)."""

    moment: Moment | None
    shown_at: Moment
    places: list[Found]
    matching: int
    beyond: Found | None
    method: str | None
    snap_m: float | None
    detour_factor: float | None
    route: list[tuple[float, float]] | None


def find_places(sessions: sessionmaker[Session], territory: Territory, *,
                walking: WalkingService | None, lon: float | None = None,
                lat: float | None = None, kinds: Sequence[str] | None = None,
                when: str | None = None, max_walk_min: float | None = 15.0,
                n: int | None = None, route: bool = False, route_to: str | None = None,
                now: datetime | None = None) -> PlacesAnswer:
    """The member map's question: which places of ``kinds`` answer ``when`` (any time,
    ``now``, ``today``, a weekday, or a weekday and a time), and how far on foot from
    ``lon``/``lat`` (when given; ``max_walk_min`` None: every distance)."""
    if (lon is None) != (lat is None):
        raise ValidationError("give both lon and lat, or neither")
    moment = parse_when(when, territory, now=now)
    shown_at = moment or parse_when("now", territory, now=now)
    assert shown_at is not None
    chosen = select(payable_places(sessions), kinds=check_kinds(tuple(kinds or ())),
                    moment=moment)

    def found(place: Place, walk: PlaceWalk | None) -> Found:
        hours = read_opening_hours(place.opening_hours)
        return Found(place, status(hours, shown_at), walk)

    if lon is None or lat is None:
        listed = sorted(chosen, key=lambda p: p.name.casefold())
        return PlacesAnswer(moment, shown_at, [found(p, None) for p in listed[:n]],
                            len(chosen), None, None, None, None, None)
    if walking is None:
        raise DataError("walking times need the walking analysis: add [network] and "
                        "[population] to the territory.toml")
    walks = walks_from(walking, chosen, lon=lon, lat=lat)
    near, beyond = within(walks, max_walk_min=max_walk_min or SEARCH_LIMIT_MIN, n=n)
    target = next((w for w in walks.walks if w.place.key == route_to), None) if route_to \
        else (near[0] if near else beyond)
    if route_to and target is None:
        raise ValidationError(f"route_to: {route_to!r} is not among the places found")
    path = way_to(walking, walks, target.place, lon=lon, lat=lat) \
        if (route or route_to) and target is not None else None
    return PlacesAnswer(moment, shown_at, [found(w.place, w) for w in near], len(chosen),
                        None if beyond is None else found(beyond.place, beyond), walks.method,
                        walks.snap_m, walks.detour_factor, path)


__all__ = ["SEARCH_LIMIT_MIN", "Found", "PlaceWalk", "PlacesAnswer", "Walks", "find_places",
           "payable_places", "walks_from", "way_to", "within"]
