"""Where people live: population points with income, snapped to the walking network.

With ``mode = "spread"`` (the bundled Montpellier data) each neighbourhood's population is
spread evenly over the address points inside it: no 200 m population grid is available
offline. With ``mode = "weighted_points"`` the points carry their own population (e.g. the
centroids of INSEE's 200 m grid) and optionally a low-income share.

Every point gets the codes of the neighbourhoods containing it at every level, its
neighbourhood's median income, a low-income share (0 or 1 for a neighbourhood-level
criterion, or the grid's share), and whether it is inside the network's coverage. Points
outside coverage are never given a network time; the areas outside coverage are listed with
their population so reports can say how many people the network does not cover.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo_caisse.core.crs import WGS84, parse_crs, transformer
from geo_caisse.core.domain import Neighbourhood
from geo_caisse.core.errors import DataError
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.core.territory import Territory
from geo_caisse.walk.network import WalkNetwork, save_npz

CACHE_FORMAT = 3


@dataclass(frozen=True)
class Area:
    """A neighbourhood as the reports need it (no geometry: that stays in the store)."""

    code: str
    name: str
    level: str
    population: float | None
    median_income_uc_eur: float | None
    benefit_dependent_share: float | None
    covered: bool


@dataclass(frozen=True, eq=False)
class Population:
    """Population points in the metric CRS, one array entry per point."""

    crs: str
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    population: NDArray[np.float64]
    low_income_share: NDArray[np.float64]
    income_eur: NDArray[np.float64]
    covered: NDArray[np.bool_]
    node: NDArray[np.int32]
    offset_m: NDArray[np.float64]
    #: level -> index into ``areas`` of the neighbourhood holding each point (-1: none)
    area_index: dict[str, NDArray[np.int32]]
    areas: tuple[Area, ...]
    low_income_rule: str
    #: the income cut of the low-income rule (euros per consumption unit; NaN: another rule)
    low_income_threshold_eur: float = float("nan")
    #: False when the territory holds no data for its low-income rule (no income, no benefit
    #: share): ``low_income_share`` is then 0 and no food desert can be counted
    low_income_available: bool = True

    @property
    def n_points(self) -> int:
        return int(self.x_m.shape[0])

    @property
    def low_income(self) -> NDArray[np.float64]:
        """Low-income people at each point."""
        return self.population * self.low_income_share

    @property
    def total(self) -> float:
        return float(self.population.sum())

    def uncovered_areas(self, level: str) -> list[Area]:
        """Areas of ``level`` outside the network's coverage (reported, never timed)."""
        return [a for a in self.areas if a.level == level and not a.covered]

    def levels(self) -> list[str]:
        return sorted(self.area_index)

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {
            "format": np.array(CACHE_FORMAT), "crs": np.array(self.crs), "x_m": self.x_m,
            "y_m": self.y_m, "population": self.population,
            "low_income_share": self.low_income_share, "income_eur": self.income_eur,
            "covered": self.covered, "node": self.node, "offset_m": self.offset_m,
            "areas": np.array(json.dumps([a.__dict__ for a in self.areas])),
            "low_income_rule": np.array(self.low_income_rule),
            "low_income_threshold_eur": np.array(self.low_income_threshold_eur),
            "low_income_available": np.array(self.low_income_available),
        }
        for level, idx in self.area_index.items():
            arrays[f"area_index__{level}"] = idx
        save_npz(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> Population:
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["format"]) != CACHE_FORMAT:
                    raise DataError(f"{path}: population cache format {int(z['format'])}")
                idx = {k.removeprefix("area_index__"): z[k] for k in z.files
                       if k.startswith("area_index__")}
                areas = tuple(Area(**a) for a in json.loads(str(z["areas"])))
                return cls(crs=str(z["crs"]), x_m=z["x_m"], y_m=z["y_m"],
                           population=z["population"], low_income_share=z["low_income_share"],
                           income_eur=z["income_eur"], covered=z["covered"], node=z["node"],
                           offset_m=z["offset_m"], area_index=idx, areas=areas,
                           low_income_rule=str(z["low_income_rule"]),
                           low_income_threshold_eur=float(z["low_income_threshold_eur"]),
                           low_income_available=bool(z["low_income_available"]))
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise DataError(f"{path}: not a population cache ({exc})") from exc


def weighted_quantile(values: NDArray[np.float64], weights: NDArray[np.float64],
                      q: float) -> float:
    """The ``q`` quantile of ``values`` weighted by ``weights`` (NaN values ignored).

    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5)
    2.0
    """
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    v, w = values[ok], weights[ok]
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, q * cum[-1], side="left")])


def _area_of(points: NDArray[Any], polygons: list[Any]) -> NDArray[np.int32]:
    """Index of the polygon containing each point (-1: none; the first when several)."""
    tree = shapely.STRtree(polygons)
    pt_idx, poly_idx = tree.query(points, predicate="within")
    out = np.full(len(points), -1, dtype=np.int32)
    order = np.argsort(pt_idx, kind="stable")[::-1]  # first match wins after reversal
    out[pt_idx[order]] = poly_idx[order].astype(np.int32)
    return out


def metric_geometries(neighbourhoods: list[tuple[Neighbourhood, Any]], metric_crs: str
                      ) -> list[tuple[Neighbourhood, Any]]:
    """The neighbourhoods with their WGS84 geometries projected to ``metric_crs``."""
    to_metric = transformer(WGS84, metric_crs)

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(to_metric.transform(coords[:, 0], coords[:, 1]))

    return [(n, shapely.transform(g, project)) for n, g in neighbourhoods]


def coverage_geometry(metric_neighbourhoods: list[tuple[Neighbourhood, Any]],
                      codes: tuple[str, ...]) -> BaseGeometry | None:
    """The union of the neighbourhoods named in ``[network] coverage``; None: everywhere."""
    if not codes:
        return None
    wanted = set(codes)
    geoms = [g for n, g in metric_neighbourhoods if n.code in wanted]
    if not geoms:
        raise DataError(f"[network] coverage codes {sorted(wanted)} match no "
                        "neighbourhood of the territory")
    return shapely.union_all(geoms)


def build_population(territory: Territory, network: WalkNetwork,
                     neighbourhoods: list[tuple[Neighbourhood, Any]], *,
                     progress: Progress = quiet) -> Population:
    """Population points of the territory from its ``[population]`` configuration."""
    from geo_caisse.io.readers import read_point_arrays

    cfg = territory.population
    net_cfg = territory.network
    if cfg is None or net_cfg is None:
        raise DataError(f"territory {territory.code}: territory.toml needs [network] and "
                        "[population] for walking analysis")
    access = territory.access
    metric = territory.metric_crs
    progress(f"reading population points from {cfg.points.name}…")
    columns = tuple(c for c in (cfg.population_column, cfg.low_income_column) if c)
    x0, y0, crs, cols = read_point_arrays(cfg.points, columns)
    parse_crs(crs, name=cfg.points.name)
    x, y = transformer(crs, metric).transform(np.asarray(x0, float), np.asarray(y0, float))
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    pts = shapely.points(x, y)

    geoms_by_level: dict[str, list[Any]] = {}
    areas: list[Area] = []
    metric_neighbourhoods = metric_geometries(neighbourhoods, metric)
    coverage = coverage_geometry(metric_neighbourhoods, net_cfg.coverage)
    for n, g in sorted(metric_neighbourhoods, key=lambda item: item[0].level):
        area_covered = coverage is None or bool(
            shapely.area(shapely.intersection(g, coverage)) >= 0.5 * shapely.area(g))
        areas.append(Area(n.code, n.name, n.level,
                          None if n.population is None else float(n.population),
                          n.median_income_uc_eur, n.benefit_dependent_share, area_covered))
        geoms_by_level.setdefault(n.level, []).append(g)
    if cfg.level not in geoms_by_level:
        raise DataError(f"[population] level {cfg.level!r}: the territory has no neighbourhood "
                        f"of that level (levels: {sorted(geoms_by_level)})")
    first_of = {level: next(i for i, a in enumerate(areas) if a.level == level)
                for level in geoms_by_level}

    def index_points(points: NDArray[Any]) -> dict[str, NDArray[np.int32]]:
        """Index into ``areas`` of the neighbourhood holding each point, at every level."""
        out = {}
        for level, geoms in geoms_by_level.items():
            idx = _area_of(points, geoms)
            out[level] = np.where(idx >= 0, idx + first_of[level], -1).astype(np.int32)
        return out

    area_index = index_points(pts)
    if cfg.mode == "spread":
        base = first_of[cfg.level]
        n_level = len(geoms_by_level[cfg.level])
        home = area_index[cfg.level]
        counts = np.bincount(home[home >= 0] - base, minlength=n_level)
        # an area with people but no point keeps them at one point inside it
        empty = [i for i in range(n_level)
                 if (areas[base + i].population or 0) > 0 and counts[i] == 0]
        if empty:
            extra = shapely.point_on_surface(np.array(geoms_by_level[cfg.level])[empty])
            x = np.r_[x, shapely.get_x(extra)]
            y = np.r_[y, shapely.get_y(extra)]
            pts = shapely.points(x, y)
            area_index = index_points(pts)
            home = area_index[cfg.level]
            counts = np.bincount(home[home >= 0] - base, minlength=n_level)
            progress(f"{len(empty)} {cfg.level}(s) without any point: their population is "
                     "kept at one point inside each")
        progress(f"spreading {cfg.level} populations over {len(x):,} points…")
        pop_of_area = np.array([areas[base + i].population or 0.0 for i in range(n_level)])
        local = np.maximum(home - base, 0)
        population = np.where(home >= 0, pop_of_area[local] / np.maximum(counts[local], 1),
                              0.0)
    else:
        raw = np.asarray(cols[cfg.population_column or ""], dtype=float)[ok]
        if not np.all(np.isfinite(raw)) or (raw < 0).any():
            raise DataError(f"{cfg.points.name}: {cfg.population_column} has missing or "
                            "negative values")
        population = raw
    home = area_index[cfg.level]

    income = np.array([np.nan if a.median_income_uc_eur is None else a.median_income_uc_eur
                       for a in areas] + [np.nan])[home]
    benefit = np.array([np.nan if a.benefit_dependent_share is None
                        else a.benefit_dependent_share for a in areas] + [np.nan])[home]
    if cfg.mode == "weighted_points" and cfg.low_income_column:
        share = np.clip(np.asarray(cols[cfg.low_income_column], dtype=float)[ok], 0, 1)
        share = np.nan_to_num(share, nan=0.0)
        rule = f"share of low-income people in {cfg.low_income_column}"
        cut = float("nan")
    elif access.low_income == "benefit_share":
        share = (np.nan_to_num(benefit, nan=-1) >= access.min_benefit_share).astype(float)
        cut = float("nan")
        rule = (f"{cfg.level} share of people living mostly on benefits ≥ "
                f"{access.min_benefit_share:.0%}")
    else:
        cut = weighted_quantile(income, population, access.low_income_quantile)
        share = (np.nan_to_num(income, nan=np.inf) <= cut).astype(float)
        rule = (f"{cfg.level} median income per consumption unit ≤ {cut:,.0f} € "
                f"(population-weighted {access.low_income_quantile:.0%} quantile)")
    available = True
    if not (cfg.mode == "weighted_points" and cfg.low_income_column):
        key, values = (("benefit_dependent_share", benefit)
                       if access.low_income == "benefit_share"
                       else ("median_income_uc_eur", income))
        if not np.isfinite(values[population > 0]).any():
            available, cut, share = False, float("nan"), np.zeros_like(population)
            rule = (f"unavailable: no {cfg.level} of the neighbourhoods has {key}, so "
                    "low-income people and food deserts cannot be counted")
            progress(f"low-income rule {rule}")
    node, offset = network.snap(x, y)
    inside = np.ones(len(x), dtype=bool) if coverage is None else np.asarray(
        shapely.contains_xy(coverage, x, y), dtype=bool)
    covered: NDArray[np.bool_] = inside & (offset <= net_cfg.max_snap_m)
    progress(f"population: {population.sum():,.0f} people at {len(x):,} points, "
             f"{population[covered].sum():,.0f} within the network's coverage")
    return Population(crs=metric, x_m=x, y_m=y, population=population.astype(float),
                      low_income_share=share, income_eur=income, covered=covered,
                      node=node, offset_m=offset, area_index=area_index, areas=tuple(areas),
                      low_income_rule=rule, low_income_threshold_eur=float(cut),
                      low_income_available=available)


def population_cache_key(territory: Territory, network_key: str) -> str:
    """Content hash of everything the population depends on."""
    h = hashlib.sha256()
    h.update(network_key.encode())
    h.update((territory.directory / "territory.toml").read_bytes())
    h.update(str(CACHE_FORMAT).encode())
    assert territory.population is not None
    for path in (territory.population.points, territory.layer_paths["neighbourhoods"]):
        h.update(path.read_bytes() if path.is_file() else b"missing")
    return h.hexdigest()[:16]


__all__ = [
    "Area",
    "Population",
    "build_population",
    "coverage_geometry",
    "metric_geometries",
    "population_cache_key",
    "weighted_quantile",
]
