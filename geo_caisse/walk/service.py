"""Use cases of walking access: the territory's network and population, kept in memory, and
the accessibility of the conventionnés the store holds now.

:class:`WalkingService` loads the cached network and population once (``serve`` start-up),
reads the conventionnés from the store, and keeps one :class:`Accessibility` per weekday
filter and walking speed. When the conventionnés change (an import, a committee decision),
the next call sees it: the store is re-read at most every ``refresh_s`` seconds, or at once
after :meth:`WalkingService.invalidate`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.crs import WGS84, transformer
from geo_caisse.core.domain import PointOfSale, Status
from geo_caisse.core.errors import DataError, NotFoundError, ValidationError
from geo_caisse.core.opening_hours import check_weekday
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.core.territory import Territory
from geo_caisse.storage.layers import (
    NeighbourhoodRepository,
    PointOfSaleFilter,
    PointOfSaleRepository,
)
from geo_caisse.walk.accessibility import Accessibility, Destinations, NearestWalk
from geo_caisse.walk.deserts import (
    DesertReport,
    areas_feature_collection,
    cells_feature_collection,
    check_level,
    desert_report,
)
from geo_caisse.walk.network import WalkNetwork, cache_path, load_walk_network
from geo_caisse.walk.population import (
    Population,
    build_population,
    coverage_geometry,
    metric_geometries,
    population_cache_key,
)
from geo_caisse.walk.whatif import Change, Ranked, WhatIf


def load_territory_model(territory: Territory, *, cache_dir: Path,
                         progress: Progress = quiet) -> tuple[WalkNetwork, Population]:
    """The territory's walk network and population, from the cache or built and cached."""
    from geo_caisse.io.readers import load_neighbourhoods_file

    if territory.network is None or territory.population is None:
        raise DataError(f"territory {territory.code} has no [network] and [population] in "
                        "territory.toml: walking analysis is not configured")
    source = territory.network.source
    network = load_walk_network(source, metric_crs=territory.metric_crs, cache_dir=cache_dir,
                                progress=progress)
    key = population_cache_key(territory, cache_path(
        source, metric_crs=territory.metric_crs, cache_dir=cache_dir).name)
    pop_path = cache_dir / f"population-{territory.code}-{key}.npz"
    if pop_path.is_file():
        return network, Population.load(pop_path)
    population = build_population(
        territory, network,
        load_neighbourhoods_file(territory.layer_paths["neighbourhoods"], territory),
        progress=progress)
    population.save(pop_path)
    return network, population


#: coverages computed, by what they are computed from (shapely geometries are immutable)
_coverages: dict[tuple[object, ...], BaseGeometry] = {}
_coverages_lock = threading.Lock()


def coverage_area(territory: Territory) -> BaseGeometry | None:
    """The network's coverage (its neighbourhoods' union) in the metric CRS; None: everywhere.
    Computed once per process while the neighbourhoods file is unchanged."""
    from geo_caisse.io.readers import load_neighbourhoods_file

    if territory.network is None or not territory.network.coverage:
        return None
    path = territory.layer_paths["neighbourhoods"]
    try:
        st = path.stat()
        key: tuple[object, ...] | None = (str(path.resolve()), st.st_size, st.st_mtime_ns,
                                          territory.metric_crs, repr(territory.network.coverage),
                                          territory.level_codes)
    except OSError:  # missing: the reader says so
        key = None
    with _coverages_lock:
        known = _coverages.get(key) if key is not None else None
    if known is not None:
        return known
    neighbourhoods = load_neighbourhoods_file(path, territory)
    area = coverage_geometry(metric_geometries(neighbourhoods, territory.metric_crs),
                             territory.network.coverage)
    if key is not None and area is not None:
        with _coverages_lock:
            if len(_coverages) >= 16:
                _coverages.clear()
            _coverages[key] = area
    return area


@dataclass(frozen=True)
class WalkResult:
    """A point of sale reached on foot from a place."""

    point_of_sale: PointOfSale
    distance_m: float
    walk_min: float


@dataclass(frozen=True)
class NearestAnswer:
    """The nearest conventionnés of a place, and how the times were obtained.

    ``method`` is ``"network"`` or, for a place outside the network's coverage,
    ``"straight_line_estimate"`` (straight line × ``detour_factor``).
    """

    method: str
    snap_m: float
    detour_factor: float | None
    results: list[WalkResult]
    route: list[tuple[float, float]] | None


@dataclass(frozen=True)
class RankedCandidate:
    point_of_sale: PointOfSale
    score: Ranked


class _State:
    """The conventionnés and candidates of one moment, with cached analyses."""

    def __init__(self, fingerprint: tuple[object, ...], conventionnes: list[PointOfSale],
                 candidates: list[PointOfSale], network: WalkNetwork) -> None:
        self.fingerprint = fingerprint
        self.conventionnes = conventionnes
        self.candidates = candidates
        self.destinations = Destinations.from_points(conventionnes, network)
        self.candidate_destinations = Destinations.from_points(candidates, network)
        self.access: dict[tuple[str | None, float], tuple[Accessibility, list[PointOfSale]]] = {}
        self.reports: dict[tuple[str | None, float, float, float], DesertReport] = {}


class WalkingService:
    """Walking access for one territory and one store. Thread-safe."""

    def __init__(self, territory: Territory, network: WalkNetwork, population: Population,
                 *, coverage: BaseGeometry | None = None, refresh_s: float = 30.0) -> None:
        self.territory = territory
        self.network = network
        self.population = population
        self.refresh_s = refresh_s
        self._lock = threading.RLock()
        self._state: _State | None = None
        self._checked = 0.0
        self._to_metric = transformer(WGS84, territory.metric_crs)
        # GeoJSON of the desert layers, serialised once per report (the reports are cached)
        self._geojson: dict[tuple[int, str | None], tuple[DesertReport, bytes]] = {}
        self.coverage = coverage
        if coverage is not None:
            shapely.prepare(coverage)

    @classmethod
    def load(cls, territory: Territory, *, cache_dir: Path,
             progress: Progress = quiet) -> WalkingService:
        network, population = load_territory_model(territory, cache_dir=cache_dir,
                                                    progress=progress)
        return cls(territory, network, population, coverage=coverage_area(territory))

    # -- state -------------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Re-read the conventionnés at the next call (after a write to the store)."""
        with self._lock:
            self._checked = 0.0

    def is_ready(self, open_on: str | None = None) -> bool:
        """Whether :meth:`nearest` can answer without reading the store or searching."""
        state = self._state
        if state is None or time.monotonic() - self._checked >= self.refresh_s:
            return False
        key = (check_weekday(open_on) if open_on else None,
               float(self.territory.access.walk_speed_kmh))
        found = state.access.get(key)
        return found is not None and "k_nearest" in found[0].__dict__

    def prepare(self, sessions: sessionmaker[Session], open_on: str | None = None) -> None:
        """Read the store and build what :meth:`nearest` needs (blocking: run it off the
        event loop)."""
        access, _ = self.accessibility(sessions, open_on=open_on)
        self._build_nearest(access)

    def warm_up(self, sessions: sessionmaker[Session]) -> None:
        """What the first :meth:`nearest` of the day would build, built now (the distances
        to the conventionnés, the compiled searches, the territory's outline), and the
        what-if's searches compiled by ranking the candidates once (on a fresh install
        numba compiles each search at its first call, seconds each on a busy machine):
        meant for a background thread once the server answers (blocking, as
        :meth:`prepare`)."""
        self.prepare(sessions, None)
        minx, miny, maxx, maxy = self.territory.bbox
        self.territory.contains([(minx + maxx) / 2], [(miny + maxy) / 2])
        self.rank_candidates(sessions, top=1)

    def _build_nearest(self, access: Accessibility) -> None:
        with self._lock:
            access.k_nearest  # noqa: B018  (built once, under the lock)

    def state_key(self, sessions: sessionmaker[Session]) -> tuple[object, ...]:
        """What identifies the conventionnés now (changes when they change)."""
        return self._current(sessions).fingerprint

    def _current(self, sessions: sessionmaker[Session]) -> _State:
        now = time.monotonic()
        with self._lock:
            if self._state is not None and now - self._checked < self.refresh_s:
                return self._state
            with sessions() as session:
                every = PointOfSaleRepository(session).list(PointOfSaleFilter()).items
            conv = [p for p in every if p.takes_mona]
            cand = [p for p in every if p.status is not Status.CONVENTIONNE]
            fingerprint = (*((p.id, p.lon, p.lat, p.opening_hours) for p in conv), len(cand))
            if self._state is None or self._state.fingerprint != fingerprint:
                self._state = _State(fingerprint, conv, cand, self.network)
            self._checked = now
            return self._state

    def accessibility(self, sessions: sessionmaker[Session], *, open_on: str | None = None,
                      walk_speed_kmh: float | None = None
                      ) -> tuple[Accessibility, list[PointOfSale]]:
        """The accessibility of the conventionnés (open on ``open_on``) and their list."""
        return self._access(self._current(sessions), open_on, walk_speed_kmh)

    def _access(self, state: _State, open_on: str | None, walk_speed_kmh: float | None
                ) -> tuple[Accessibility, list[PointOfSale]]:
        """The accessibility in ``state`` (one state per call: never one analysis of an older
        state cached in a newer one)."""
        day = check_weekday(open_on) if open_on else None
        speed = walk_speed_kmh or self.territory.access.walk_speed_kmh
        with self._lock:
            key = (day, float(speed))
            if key not in state.access:
                if len(state.access) > 32:
                    state.access.clear()
                mask = state.destinations.open_mask(day)
                dest = state.destinations.subset(mask)
                points = [p for p, keep in zip(state.conventionnes, mask, strict=True) if keep]
                state.access[key] = (Accessibility(self.network, dest, self.population,
                                                   walk_speed_kmh=speed), points)
            return state.access[key]

    def on_network(self, x_m: float, y_m: float) -> tuple[bool, float]:
        """Whether a place is in the network's coverage and near enough to a street node (the
        rule population points follow), and its distance to that node in metres."""
        _, snap = self.network.snap([x_m], [y_m])
        assert self.territory.network is not None
        inside = self.coverage is None or bool(shapely.contains_xy(self.coverage, x_m, y_m))
        return inside and float(snap[0]) <= self.territory.network.max_snap_m, float(snap[0])

    # -- use cases ---------------------------------------------------------------------------
    def deserts(self, sessions: sessionmaker[Session], *, threshold_min: float | None = None,
                open_on: str | None = None, walk_speed_kmh: float | None = None,
                cell_size_m: float | None = None) -> DesertReport:
        cfg = self.territory.access
        threshold = threshold_min or cfg.desert_threshold_min
        speed = walk_speed_kmh or cfg.walk_speed_kmh
        cell = cell_size_m or cfg.cell_size_m
        state = self._current(sessions)
        access, _ = self._access(state, open_on, speed)
        key = (check_weekday(open_on) if open_on else None, float(threshold), float(speed),
               float(cell))
        with self._lock:
            if key not in state.reports:
                if len(state.reports) > 64:
                    state.reports.clear()
                state.reports[key] = desert_report(access, threshold_min=threshold,
                                                   cell_size_m=cell,
                                                   low_income=self.low_income_terms())
            return state.reports[key]

    def low_income_terms(self) -> dict[str, object]:
        """The territory's low-income rule as data, for a page to put in words: its
        ``method`` (``income_quantile``, ``benefit_share`` or the population ``points``'
        own share), the ``level`` it is read at, and its ``quantile`` and income
        ``threshold_eur`` per consumption unit, or its ``min_benefit_share``; ``available``
        is False when the territory holds no data for the rule (no food desert is counted)."""
        cfg, pop = self.territory.access, self.territory.population
        threshold = self.population.low_income_threshold_eur
        method = ("points" if pop is not None and pop.low_income_column
                  and pop.mode == "weighted_points" else cfg.low_income)
        return {"method": method, "level": None if pop is None else pop.level,
                "quantile": cfg.low_income_quantile, "min_benefit_share": cfg.min_benefit_share,
                "threshold_eur": None if np.isnan(threshold) else round(float(threshold)),
                "available": self.population.low_income_available}

    def areas_feature_collection(self, sessions: sessionmaker[Session], report: DesertReport,
                                 level: str) -> dict[str, object]:
        """The report's neighbourhoods of ``level`` as GeoJSON, with the store's outlines
        (a level the territory lacks raises, naming those it has)."""
        check_level(report, level)
        with sessions() as session:
            items = NeighbourhoodRepository(session).list().items
        geoms = {n.code: dict(mapping(g)) for n, g in items if n.level == level}
        return areas_feature_collection(report, level, geoms)

    def desert_geojson(self, sessions: sessionmaker[Session], report: DesertReport, *,
                       level: str | None = None) -> bytes:
        """The desert layer as GeoJSON bytes: the cells, or the neighbourhoods of ``level``;
        serialised once per report (a layer of a few MB is then sent as it is)."""
        key = (id(report), level)
        with self._lock:
            hit = self._geojson.get(key)
        if hit is not None and hit[0] is report:
            return hit[1]
        doc = (cells_feature_collection(report) if level is None
               else self.areas_feature_collection(sessions, report, level))
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        with self._lock:
            if len(self._geojson) > 64:
                self._geojson.clear()
            self._geojson[key] = (report, body)
        return body

    def nearest(self, sessions: sessionmaker[Session], *, lon: float, lat: float, n: int = 5,
                open_on: str | None = None, route: bool = False) -> NearestAnswer:
        """The ``n`` nearest conventionnés of a place by walking time (never stored or logged).

        Outside the network's coverage the answer is a straight-line estimate, labelled so.
        """
        self.territory.check_inside(lon, lat)
        access, points = self.accessibility(sessions, open_on=open_on)
        x, y = self._to_metric.transform(lon, lat)
        inside, snap_m = self.on_network(x, y)
        net_cfg = self.territory.network
        assert net_cfg is not None
        if not points:
            return NearestAnswer("network" if inside else "straight_line_estimate",
                                 snap_m, None, [], None)
        if inside:
            self._build_nearest(access)
            found: NearestWalk = access.nearest_from(float(x), float(y), n=n)
            results = [WalkResult(points[i], float(d), float(t)) for i, d, t in
                       zip(found.index, found.distance_m, found.time_min, strict=True)]
            path = None
            if route and results:
                nodes = access.route_nodes(found.node)
                rlon, rlat = self.network.lon_lat(nodes)
                first = points[int(found.index[0])]
                path = [(lon, lat), *zip(rlon.tolist(), rlat.tolist(), strict=True),
                        (first.lon, first.lat)]
            return NearestAnswer("network", snap_m, None, results, path)
        dest = access.destinations
        straight = np.hypot(dest.x_m - x, dest.y_m - y) * net_cfg.detour_factor
        order = np.argsort(straight, kind="stable")[:n]
        return NearestAnswer(
            "straight_line_estimate", snap_m, net_cfg.detour_factor,
            [WalkResult(points[i], float(straight[i]), float(straight[i] / access.m_per_min))
             for i in order], None)

    def what_if(self, sessions: sessionmaker[Session], *, add_lon: float | None = None,
                add_lat: float | None = None, remove_id: int | None = None,
                threshold_min: float | None = None, open_on: str | None = None) -> Change:
        """The effect of conventioning a point at ``add_lon``/``add_lat``, or of ending the
        convention of point of sale ``remove_id``. Exactly one of the two."""
        adding = add_lon is not None or add_lat is not None
        if adding == (remove_id is not None):
            raise ValidationError("give either add_lon and add_lat, or remove_id (not both)")
        threshold = threshold_min or self.territory.access.desert_threshold_min
        access, points = self.accessibility(sessions, open_on=open_on)
        with self._lock:
            model = WhatIf(access, threshold_min=threshold)
            if adding:
                if add_lon is None or add_lat is None:
                    raise ValidationError("add needs both add_lon and add_lat")
                self.territory.check_inside(add_lon, add_lat, name="add")
                x, y = self._to_metric.transform(add_lon, add_lat)
                inside, snap_m = self.on_network(x, y)
                if not inside:
                    raise ValidationError(
                        f"add: lon={add_lon:g}, lat={add_lat:g} is outside the walking "
                        f"network's coverage ({snap_m:.0f} m from the nearest street node)")
                return model.add(float(x), float(y))
            index = next((i for i, p in enumerate(points) if p.id == remove_id), None)
            if index is None:
                raise NotFoundError(f"point of sale {remove_id} is not a conventionné "
                                    f"accepting the Mona{' open on ' + open_on if open_on else ''}")
            return model.remove(index)

    def rank_candidates(self, sessions: sessionmaker[Session], *, top: int = 20,
                        threshold_min: float | None = None, open_on: str | None = None
                        ) -> list[RankedCandidate]:
        """Points of sale not yet conventionnés, by the people each would bring within reach."""
        if not 1 <= top <= 1000:
            raise ValidationError(f"top must be between 1 and 1000, got {top}")
        threshold = threshold_min or self.territory.access.desert_threshold_min
        state = self._current(sessions)
        access, _ = self._access(state, open_on, None)
        with self._lock:
            ranked = WhatIf(access, threshold_min=threshold).rank(
                state.candidate_destinations, top=top)
        return [RankedCandidate(state.candidates[r.index], r) for r in ranked]


__all__ = [
    "NearestAnswer",
    "RankedCandidate",
    "WalkResult",
    "WalkingService",
    "coverage_area",
    "load_territory_model",
]
