"""Food deserts: low income and low walking access, per grid cell and per neighbourhood.

The USDA "low income and low access" method adapted to walking in a French city: a place
has *low access* when the walk to the nearest conventionné point of sale takes longer than
``threshold_min`` (default 10 minutes), and it is a *food desert* when it also has low
income (the territory's rule, see :class:`geo_caisse.core.config.AccessConfig`). People
outside the network's coverage are counted apart (``population_outside_network``), never
mixed with walking times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pandas is imported at the first report, not when the server starts
    import pandas as pd

from geo_caisse.core.errors import ValidationError
from geo_caisse.walk.accessibility import Accessibility

#: columns of both tables, in order
STAT_COLUMNS = ("population", "population_covered", "population_outside_network",
                "low_income_population", "low_access_population", "desert_population",
                "low_access_share", "desert_share", "median_walk_min")


@dataclass(frozen=True)
class DesertReport:
    """Per-point flags and the cell and neighbourhood tables."""

    threshold_min: float
    walk_speed_kmh: float
    low_income_rule: str
    low_income: dict[str, object]  # the rule as data (see WalkingService.deserts)
    cell_size_m: float
    crs: str
    point_low_access: NDArray[np.bool_]
    cells: pd.DataFrame
    areas: pd.DataFrame
    totals: dict[str, float]


def _weighted_median_by(group: NDArray[np.int64], values: NDArray[np.float64],
                        weights: NDArray[np.float64], n_groups: int) -> NDArray[np.float64]:
    """Population-weighted median of ``values`` in each group (NaN values ignored)."""
    out = np.full(n_groups, np.nan)
    ok = ~np.isnan(values) & (weights > 0) & (group >= 0)
    if not ok.any():
        return out
    g, v, w = group[ok], values[ok], weights[ok]
    order = np.lexsort((v, g))
    g, v, w = g[order], v[order], w[order]
    cum = np.cumsum(w)
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    ends = np.r_[starts[1:], g.size]
    base = np.r_[0.0, cum][starts]
    half = base + (cum[ends - 1] - base) / 2.0
    # first index in each group whose cumulative weight reaches half
    pos = np.searchsorted(cum, half, side="left")
    out[g[starts]] = v[np.minimum(pos, ends - 1)]
    return out


def _stats(group: NDArray[np.int64], n_groups: int, access: Accessibility,
           low_access: NDArray[np.bool_]) -> pd.DataFrame:
    pop = access.population
    covered = pop.covered
    w = pop.population
    lw = pop.low_income

    def total(weights: NDArray[np.float64]) -> NDArray[np.float64]:
        ok = group >= 0
        return np.bincount(group[ok], weights=weights[ok], minlength=n_groups).astype(float)

    people = total(w)
    cov = total(np.where(covered, w, 0.0))
    low = total(np.where(low_access, w, 0.0))
    desert = total(np.where(low_access, lw, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        low_share = np.where(cov > 0, low / cov, np.nan)
        desert_share = np.where(cov > 0, desert / cov, np.nan)
    times = access.point_time_min
    median = _weighted_median_by(group, times, w, n_groups)
    if not pop.low_income_available:  # unknown, not zero
        desert = desert_share = np.full(n_groups, np.nan)
    import pandas as pd

    return pd.DataFrame({
        "population": people, "population_covered": cov,
        "population_outside_network": people - cov,
        "low_income_population": total(np.where(covered, lw, 0.0))
        if pop.low_income_available else np.full(n_groups, np.nan),
        "low_access_population": low, "desert_population": desert,
        "low_access_share": low_share, "desert_share": desert_share,
        "median_walk_min": median,
    })


def desert_report(access: Accessibility, *, threshold_min: float, cell_size_m: float = 200.0,
                  low_income: dict[str, object] | None = None) -> DesertReport:
    """Low access and food deserts of the whole territory, by cell and by neighbourhood.

    Cells are squares of ``cell_size_m`` aligned on multiples of the size in the metric
    CRS (as INSEE's grid is), identified like INSEE's: ``CRS2154RES200mN…E…``.
    """
    if not 0 < threshold_min <= 240:
        raise ValidationError(f"threshold_min must be in (0, 240], got {threshold_min}")
    if not 25 <= cell_size_m <= 5000:
        raise ValidationError(f"cell_size_m must be in [25, 5000], got {cell_size_m}")
    pop = access.population
    times = access.point_time_min
    low_access = pop.covered & ~(times <= threshold_min)  # inf (unreachable) is low access

    ix = np.floor(pop.x_m / cell_size_m).astype(np.int64)
    iy = np.floor(pop.y_m / cell_size_m).astype(np.int64)
    keys, cell_of = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    cell_of = cell_of.reshape(-1).astype(np.int64)
    cells = _stats(cell_of, len(keys), access, low_access)
    epsg = access.network.crs.split(":")[-1]
    size = int(cell_size_m)
    cells.insert(0, "x0_m", keys[:, 0] * cell_size_m)
    cells.insert(1, "y0_m", keys[:, 1] * cell_size_m)
    cells.insert(0, "cell_id", [f"CRS{epsg}RES{size}mN{int(y)}E{int(x)}"
                                for x, y in zip(cells.x0_m, cells.y0_m, strict=True)])

    tables = []
    for level, index in sorted(pop.area_index.items()):
        stats = _stats(index.astype(np.int64), len(pop.areas), access, low_access)
        stats.insert(0, "code", [a.code for a in pop.areas])
        stats.insert(1, "name", [a.name for a in pop.areas])
        stats.insert(2, "level", [a.level for a in pop.areas])
        stats.insert(3, "covered", [a.covered for a in pop.areas])
        mine = np.array([a.level == level for a in pop.areas])
        part = stats[mine].copy()
        # areas outside the network: their census population, no walking figure
        census = np.array([a.population if a.population is not None else np.nan
                           for a in pop.areas])[mine]
        outside = ~part.covered.to_numpy()
        part.loc[outside, "population"] = census[outside]
        part.loc[outside, "population_outside_network"] = census[outside]
        tables.append(part)
    import pandas as pd

    areas = pd.concat(tables, ignore_index=True)

    covered = pop.covered
    w = pop.population
    totals = {
        "population_points": float(w.sum()),
        "population_covered": float(w[covered].sum()),
        "low_income_population": float(pop.low_income[covered].sum()),
        "low_access_population": float(w[low_access].sum()),
        "desert_population": float(pop.low_income[low_access].sum()),
        "median_walk_min": float(_weighted_median_by(
            np.where(covered, 0, -1).astype(np.int64), times, w, 1)[0]),
    }
    if not pop.low_income_available:  # unknown, not zero (None in every JSON answer)
        totals["low_income_population"] = totals["desert_population"] = float("nan")
    return DesertReport(threshold_min=threshold_min, walk_speed_kmh=access.walk_speed_kmh,
                        low_income_rule=pop.low_income_rule,
                        low_income=dict(low_income or {}), cell_size_m=cell_size_m,
                        crs=access.network.crs, point_low_access=low_access, cells=cells,
                        areas=areas, totals=totals)


def check_level(report: DesertReport, level: str) -> str:
    """``level`` if the report holds neighbourhoods of it, else raise naming the levels it
    holds (a level the territory lacks is an error, not an empty layer)."""
    levels = sorted(set(report.areas.level))
    if level not in levels:
        raise ValidationError(f"level {level!r}: the territory has no neighbourhood of that "
                              f"level; allowed: cells, {', '.join(levels)}")
    return level


def _clean(value: object, digits: int = 1) -> object:
    """JSON-safe numbers: NaN (no data) and inf (no destination reachable) become None."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if not np.isfinite(f) else round(f, digits)
    return value


def _properties(row: dict[Any, Any]) -> dict[str, object]:
    props = {str(k): _clean(v, 3 if str(k).endswith("_share") else 1) for k, v in row.items()}
    walk = row.get("median_walk_min")
    props["unreachable"] = bool(isinstance(walk, float) and np.isposinf(walk))
    return props


def report_metadata(report: DesertReport) -> dict[str, object]:
    """How the report was computed (shown with every layer)."""
    return {
        "threshold_min": report.threshold_min, "walk_speed_kmh": report.walk_speed_kmh,
        "low_income_rule": report.low_income_rule, "low_income": report.low_income,
        "cell_size_m": report.cell_size_m,
        "totals": {k: _clean(v) for k, v in report.totals.items()},
        "definition": ("low access: walk to the nearest conventionné point of sale longer "
                       "than threshold_min; food desert: low access and low income"),
    }


def cells_feature_collection(report: DesertReport) -> dict[str, object]:
    """The cell table as a GeoJSON FeatureCollection of squares in WGS84."""
    from geo_caisse.core.crs import WGS84, transformer

    size = report.cell_size_m
    x0 = report.cells.x0_m.to_numpy()
    y0 = report.cells.y0_m.to_numpy()
    xs = np.stack([x0, x0 + size, x0 + size, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + size, y0 + size, y0], axis=1)
    lon, lat = transformer(report.crs, WGS84).transform(xs, ys)
    lon, lat = np.round(np.asarray(lon), 6), np.round(np.asarray(lat), 6)
    records = report.cells.drop(columns=["x0_m", "y0_m"]).to_dict(orient="records")
    features = [{
        "type": "Feature", "id": rec["cell_id"],
        "geometry": {"type": "Polygon", "coordinates": [
            list(zip(lon[i].tolist(), lat[i].tolist(), strict=True))]},
        "properties": _properties(rec),
    } for i, rec in enumerate(records)]
    return {"type": "FeatureCollection", "features": features,
            "metadata": report_metadata(report)}


def areas_feature_collection(report: DesertReport, level: str,
                             geometries: dict[str, dict[str, object]]) -> dict[str, object]:
    """The neighbourhood table of ``level`` as GeoJSON (geometries given by code, WGS84)."""
    table = report.areas[report.areas.level == level]
    if table.empty:
        levels = sorted(set(report.areas.level))
        raise ValidationError(f"level must be one of {', '.join(levels)}, got {level!r}")
    features = [{
        "type": "Feature", "id": rec["code"], "geometry": geometries.get(str(rec["code"])),
        "properties": _properties(rec),
    } for rec in table.to_dict(orient="records")]
    return {"type": "FeatureCollection", "features": features,
            "metadata": report_metadata(report)}


__all__ = [
    "STAT_COLUMNS",
    "DesertReport",
    "areas_feature_collection",
    "cells_feature_collection",
    "check_level",
    "desert_report",
    "report_metadata",
]
