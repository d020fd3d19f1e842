"""Walking accessibility to conventionné points of sale, for every place people live.

One multi-source shortest-path search over the whole network gives, for every node, the
walking distance to its nearest destination (:mod:`geo_caisse.walk._kernels`); a population
point's walk adds its own snapping offset and the destination's. Times are metres divided
by the walking speed (default 4.5 km/h = 75 m/min).

Walking is computed on the reversed graph from the destinations, so a one-way footpath is
walked the right way (from home to shop); on a two-way street network the two are equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from geo_caisse.core.domain import PointOfSale
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.opening_hours import WEEKDAYS, check_weekday, read_opening_hours
from geo_caisse.walk.network import WalkNetwork
from geo_caisse.walk.population import Population

DEFAULT_WALK_SPEED_KMH = 4.5
REACH_MINUTES = (5.0, 10.0, 15.0, 20.0)
#: how many nearest destinations are stored for every node
NEAREST_K = 10


@dataclass(frozen=True)
class NearestWalk:
    """The nearest destinations of one place: indices, metres and minutes, nearest first."""

    node: int
    snap_m: float
    index: NDArray[np.intp]
    distance_m: NDArray[np.float64]
    time_min: NDArray[np.float64]


def metres_per_minute(walk_speed_kmh: float) -> float:
    """Walking speed in metres per minute.

    >>> metres_per_minute(4.5)
    75.0
    """
    if not 1.0 <= walk_speed_kmh <= 10.0:
        raise ValidationError(f"walk_speed_kmh must be between 1 and 10, got {walk_speed_kmh}")
    return walk_speed_kmh * 1000.0 / 60.0


@dataclass(frozen=True, eq=False)
class Destinations:
    """Points of sale placed on the network.

    ``open_days`` has one row per destination and one column per weekday (Mo..Su); a
    destination whose hours are not known never counts as open on a given day (it counts
    when no day is asked for).
    """

    ids: NDArray[np.int64]
    refs: tuple[str, ...]
    names: tuple[str, ...]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    node: NDArray[np.int32]
    offset_m: NDArray[np.float64]
    open_days: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def from_points(cls, points: Sequence[PointOfSale], network: WalkNetwork
                    ) -> Destinations:
        """Snap points of sale (WGS84) to ``network``."""
        from geo_caisse.core.crs import WGS84, transformer

        lon = np.array([p.lon for p in points], dtype=float)
        lat = np.array([p.lat for p in points], dtype=float)
        x, y = transformer(WGS84, network.crs).transform(lon, lat)
        x, y = np.asarray(x, float), np.asarray(y, float)
        node, offset = network.snap(x, y) if len(points) else (
            np.empty(0, np.int32), np.empty(0))
        days = np.zeros((len(points), 7), dtype=bool)
        for i, p in enumerate(points):
            hours = read_opening_hours(p.opening_hours)
            if hours is not None:  # hours to be checked open no day, as unknown ones
                days[i] = [hours.is_open_on(d) for d in WEEKDAYS]
        return cls(ids=np.array([p.id if p.id is not None else -1 for p in points], np.int64),
                   refs=tuple(p.ref for p in points), names=tuple(p.name for p in points),
                   x_m=x, y_m=y, node=node.astype(np.int32), offset_m=offset, open_days=days)

    @classmethod
    def at(cls, network: WalkNetwork, x_m: Sequence[float], y_m: Sequence[float], *,
           refs: Sequence[str] | None = None) -> Destinations:
        """Destinations at metric coordinates (hypothetical points, tests)."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        node, offset = network.snap(x, y)
        n = x.shape[0]
        names = tuple(refs) if refs is not None else tuple(f"point {i}" for i in range(n))
        return cls(ids=np.full(n, -1, np.int64), refs=names, names=names, x_m=x, y_m=y,
                   node=node, offset_m=offset, open_days=np.ones((n, 7), dtype=bool))

    def subset(self, keep: NDArray[np.bool_] | NDArray[np.intp]) -> Destinations:
        idx = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep)
        return Destinations(ids=self.ids[idx], refs=tuple(self.refs[i] for i in idx),
                            names=tuple(self.names[i] for i in idx), x_m=self.x_m[idx],
                            y_m=self.y_m[idx], node=self.node[idx],
                            offset_m=self.offset_m[idx], open_days=self.open_days[idx])

    def open_mask(self, weekday: str | None) -> NDArray[np.bool_]:
        """Which destinations are open on ``weekday`` (``Mo``..``Su``); all for None."""
        if weekday is None:
            return np.ones(len(self), dtype=bool)
        return self.open_days[:, WEEKDAYS.index(check_weekday(weekday))]

    def open_on(self, weekday: str | None) -> Destinations:
        """Only the destinations open on ``weekday`` (``Mo``..``Su``); all for None."""
        return self if weekday is None else self.subset(self.open_mask(weekday))


@dataclass(eq=False)
class Workspace:
    """Reusable work arrays for the kernels (one per thread of use)."""

    n_nodes: int
    n_edges: int
    heap: tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.int32]] = field(init=False)
    scratch: NDArray[np.float64] = field(init=False)
    no_bound: NDArray[np.float64] = field(init=False)
    local: NDArray[np.int32] = field(init=False)

    def __post_init__(self) -> None:
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        self.heap = kernels.new_heap(self.n_edges, self.n_nodes)
        self.scratch = np.full(self.n_nodes, np.inf)
        self.no_bound = np.full(self.n_nodes, np.inf)
        self.local = np.full(self.n_nodes, -1, np.int32)


class Accessibility:
    """Walking distances from every network node to its nearest destination.

    Parameters
    ----------
    network
        The walking network (metric CRS).
    destinations
        The conventionnés (or any points of sale) people walk to.
    population
        Where people live, snapped to the same network.
    walk_speed_kmh
        Walking speed.
    """

    def __init__(self, network: WalkNetwork, destinations: Destinations,
                 population: Population, *, walk_speed_kmh: float = DEFAULT_WALK_SPEED_KMH
                 ) -> None:
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        self.network = network
        self.destinations = destinations
        self.population = population
        self.walk_speed_kmh = walk_speed_kmh
        self.m_per_min = metres_per_minute(walk_speed_kmh)
        # search from destinations over the reversed graph = walking towards them
        self.search = network.reversed
        self.search_reversed = (network.indptr, network.indices, network.length_m)
        self.work = Workspace(network.n_nodes, network.n_edges)
        indptr, indices, weights = self.search
        hk, hv, hl = self.work.heap
        self.dist_m, self.label, self.pred = kernels.multi_source(
            indptr, indices, weights, destinations.node, destinations.offset_m, np.inf,
            hk, hv, hl)

    # -- per population point ----------------------------------------------------------------
    @cached_property
    def point_dist_m(self) -> NDArray[np.float64]:
        """Walking distance of each population point to its nearest destination (NaN: not
        covered by the network, inf: no destination reachable)."""
        pop = self.population
        d = pop.offset_m + self.dist_m[pop.node]
        return np.where(pop.covered, d, np.nan)

    @cached_property
    def point_time_min(self) -> NDArray[np.float64]:
        return self.point_dist_m / self.m_per_min

    @cached_property
    def point_nearest(self) -> NDArray[np.int32]:
        """Index of each population point's nearest destination (-1: none or not covered)."""
        lab = self.label[self.population.node]
        return np.where(self.population.covered, lab, -1).astype(np.int32)

    def reach_counts(self, minutes: Sequence[float] = REACH_MINUTES) -> NDArray[np.int32]:
        """How many destinations each population point reaches within each of ``minutes``.

        One bounded search per destination, up to the largest time; shape
        ``(n_points, len(minutes))``; zero where the point is not covered.
        """
        limits = np.asarray(sorted(minutes), dtype=float)
        if limits.size == 0 or limits[0] <= 0:
            raise ValidationError("minutes must be positive")
        pairs = self._pairs(float(limits[-1]) * self.m_per_min)
        node_src, dist = pairs
        pop = self.population
        out = np.zeros((pop.n_points, limits.size), dtype=np.int32)
        order, starts = self._points_by_node
        for (nodes, d) in zip(node_src, dist, strict=True):
            idx, per_point_node = _points_at(nodes, order, starts)
            t = (pop.offset_m[idx] + np.repeat(d, per_point_node)) / self.m_per_min
            out[idx] += (t[:, None] <= limits[None, :]).astype(np.int32)
        out[~pop.covered] = 0
        return out

    def two_step_fca(self, catchment_min: float = 15.0, *,
                     supply: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """Two-step floating catchment score of each point: destinations per 1,000 people.

        Step 1: each destination's ratio ``supply / population within catchment_min``;
        step 2: each point sums the ratios of the destinations within ``catchment_min``
        (Luo & Wang 2003, step catchment). NaN where the point is not covered.
        """
        if catchment_min <= 0:
            raise ValidationError("catchment_min must be positive")
        s = np.ones(len(self.destinations)) if supply is None else np.asarray(supply, float)
        limit = catchment_min * self.m_per_min
        node_src, dist = self._pairs(limit)
        pop = self.population
        order, starts = self._points_by_node
        reached: list[tuple[NDArray[np.intp], NDArray[np.bool_]]] = []
        ratio = np.zeros(len(self.destinations))
        weight = np.where(pop.covered, pop.population, 0.0)
        for j, (nodes, d) in enumerate(zip(node_src, dist, strict=True)):
            idx, per_point_node = _points_at(nodes, order, starts)
            inside = (pop.offset_m[idx] + np.repeat(d, per_point_node)) <= limit
            reached.append((idx, inside))
            served = float(weight[idx][inside].sum())
            ratio[j] = s[j] / served if served > 0 else 0.0
        score = np.zeros(pop.n_points)
        for j, (idx, inside) in enumerate(reached):
            np.add.at(score, idx[inside], ratio[j])
        return np.where(pop.covered, score * 1000.0, np.nan)

    def points_within(self, minutes: float) -> list[NDArray[np.intp]]:
        """For each destination, the covered population points within ``minutes``' walk."""
        if not minutes > 0:
            raise ValidationError("minutes must be positive")
        limit = minutes * self.m_per_min
        node_src, dist = self._pairs(limit)
        pop = self.population
        order, starts = self._points_by_node
        out = []
        for nodes, d in zip(node_src, dist, strict=True):
            idx, per_point_node = _points_at(nodes, order, starts)
            t = pop.offset_m[idx] + np.repeat(d, per_point_node)
            out.append(idx[(t <= limit) & pop.covered[idx]].astype(np.intp))
        return out

    def destinations_within(self, minutes: float, others: Destinations
                            ) -> list[list[tuple[int, float]]]:
        """For each destination, the ``others`` within ``minutes``' walk: (index, minutes)."""
        limit = minutes * self.m_per_min
        node_src, dist = self._pairs(limit)
        at_node: dict[int, list[int]] = {}
        for i, v in enumerate(others.node):
            at_node.setdefault(int(v), []).append(i)
        out: list[list[tuple[int, float]]] = []
        for nodes, d in zip(node_src, dist, strict=True):
            found = []
            for v, dv in zip(nodes.tolist(), d.tolist(), strict=True):
                for i in at_node.get(v, ()):
                    t = (dv + float(others.offset_m[i])) / self.m_per_min
                    if t <= minutes:
                        found.append((i, t))
            out.append(found)
        return out

    def _pairs(self, limit_m: float) -> tuple[list[NDArray[np.int32]],
                                              list[NDArray[np.float64]]]:
        """For each destination, the nodes within ``limit_m`` and their distances."""
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        indptr, indices, weights = self.search
        hk, hv, hl = self.work.heap
        nodes_out: list[NDArray[np.int32]] = []
        dist_out: list[NDArray[np.float64]] = []
        dest = self.destinations
        for j in range(len(dest)):
            nodes, d = kernels.improve_from(indptr, indices, weights, int(dest.node[j]),
                                      float(dest.offset_m[j]), self.work.no_bound, limit_m,
                                      self.work.scratch, hk, hv, hl)
            nodes_out.append(nodes)
            dist_out.append(d)
        return nodes_out, dist_out

    @cached_property
    def _points_by_node(self) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
        """Population points grouped by node: ``order`` and CSR ``starts``."""
        node = self.population.node
        order = np.argsort(node, kind="stable")
        starts = np.zeros(self.network.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(node, minlength=self.network.n_nodes), out=starts[1:])
        return order, starts

    # -- from any place ----------------------------------------------------------------------
    @cached_property
    def k_nearest(self) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        """The :data:`NEAREST_K` nearest destinations of every node: ``(dist_m, index)``."""
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        indptr, indices, weights = self.search
        k = min(NEAREST_K, max(len(self.destinations), 1))
        hk, hv, hl = kernels.new_heap(self.network.n_edges, len(self.destinations), k=k)
        return kernels.k_nearest(indptr, indices, weights, self.destinations.node,
                           self.destinations.offset_m, k, np.inf, hk, hv, hl)

    def nearest_from(self, x_m: float, y_m: float, *, n: int = 5) -> NearestWalk:
        """The ``n`` nearest destinations of a place, by walking, from stored distances.

        Cost: one k-d tree query and an array read (no search at request time).
        """
        if not 1 <= n <= NEAREST_K:
            raise ValidationError(f"n must be between 1 and {NEAREST_K}, got {n}")
        if not (math.isfinite(x_m) and math.isfinite(y_m)):
            raise ValidationError("cannot look up a place with a non-finite coordinate")
        offset, node = self.network.kdtree.query((x_m, y_m))  # one point: scalars, fast path
        v = int(node)
        kd, kl = self.k_nearest
        idx = kl[v, :n]
        ok = idx >= 0
        dist = kd[v, :n][ok] + float(offset)
        return NearestWalk(node=v, snap_m=float(offset), index=idx[ok].astype(np.intp),
                           distance_m=dist, time_min=dist / self.m_per_min)

    # -- routes ------------------------------------------------------------------------------
    def route_nodes(self, node: int) -> list[int]:
        """Nodes from ``node`` to its nearest destination's node, in walking order."""
        path = [int(node)]
        seen = 0
        while self.pred[path[-1]] >= 0:
            path.append(int(self.pred[path[-1]]))
            seen += 1
            if seen > self.network.n_nodes:
                raise RuntimeError("predecessor cycle in the nearest-destination tree")
        return path


def _points_at(nodes: NDArray[np.int32], order: NDArray[np.intp], starts: NDArray[np.int64]
               ) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Population points snapped to ``nodes`` and how many per node (to repeat per node)."""
    lo = starts[nodes]
    counts = starts[nodes + 1] - lo
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.intp), counts
    offsets = np.repeat(lo - np.r_[0, np.cumsum(counts)[:-1]], counts)
    return order[np.arange(total) + offsets], counts


__all__ = [
    "DEFAULT_WALK_SPEED_KMH",
    "NEAREST_K",
    "REACH_MINUTES",
    "Accessibility",
    "Destinations",
    "NearestWalk",
    "Workspace",
    "metres_per_minute",
]
