"""The caisse's recruitment instance: where a stand would reach the people the caisse lacks.

Demand cells are the territory's 200 m population cells, sites are every point of sale and
market (a place to hold a recruitment stand), a cell is covered by a site within
``reach_min`` minutes' walk. A cell's weight is in people, the sum of three stated terms:

- ``desert_low_income``: low-income people living in a food desert (no conventionné within
  the desert threshold);
- ``under_represented``: people in strata the members under-represent, each stratum
  weighted by how far its share of members falls short of its share of the population
  (the neighbourhood's own strata mix, from ``[enrolment] strata``; member counts as the
  coverage publishes them, hidden ones as none);
- ``spare_capacity``: people within ``reach_min`` of conventionnés that few members pay,
  weighted by how far below the median conventionné's number of payers they are (counts
  under the minimum-group rule count as 0, so no small count is used or shown).

Each term has a coefficient (default 1). A term the territory lacks the input for (no income
at the ``[population] level`` for the first, no ``[enrolment] strata`` for the second) is
``missing``, with the reason: it weighs nothing, and a coefficient above 0 on it is a
:class:`~geo_caisse.core.errors.MissingInputError` naming the input (never a silent 0).
:mod:`geo_caisse.planning.targeting` solves the instance (:mod:`geo_caisse.planning.mclp`)
and explains the places it chooses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from geo_caisse.core.errors import MissingInputError, ValidationError
from geo_caisse.core.strata import STRATA
from geo_caisse.planning.mclp import CoverageInstance

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.flows import MonaFlows
    from geo_caisse.walk.service import WalkingService


TERMS = ("desert_low_income", "under_represented", "spare_capacity")


@dataclass(frozen=True, eq=False)
class RecruitmentInstance:
    """The coverage instance and what explains it (cells, terms, sites)."""

    instance: CoverageInstance
    terms: Mapping[str, NDArray[np.float64]]  # per cell, people
    coefficients: Mapping[str, float]
    cell_x_m: NDArray[np.float64]            # cell lower-left corners (metric CRS)
    cell_y_m: NDArray[np.float64]
    cell_size_m: float
    cell_people: NDArray[np.float64]
    cell_area: list[str]                      # each cell's neighbourhood code (majority)
    site_kind: list[str]                      # "point_of_sale" or "market"
    site_id: NDArray[np.int64]
    site_name: list[str]
    site_lonlat: NDArray[np.float64]
    reach_min: float
    # conventionnés within reach of each site: (index into conv lists, walk minutes)
    site_conventionnes: list[list[tuple[int, float]]]
    conv_id: NDArray[np.int64]
    conv_name: list[str]
    conv_spare: NDArray[np.float64]
    metric_crs: str = "EPSG:2154"
    #: the terms the territory lacks an input for, and why (their cells hold 0, unknown)
    missing: Mapping[str, str] = field(default_factory=dict)


def combine_terms(terms: Mapping[str, NDArray[np.float64]],
                  coefficients: Mapping[str, float] | None,
                  missing: Mapping[str, str] | None = None) -> tuple[NDArray[np.float64],
                                                                    dict[str, float]]:
    """The cell weights: the terms times their coefficients (default 1 each, 0 for a
    ``missing`` term; above 0 on one is a MissingInputError giving the reason)."""
    missing = missing or {}
    coef = {t: 0.0 if t in missing else 1.0 for t in TERMS}
    for name, value in (coefficients or {}).items():
        if name not in TERMS:
            raise ValidationError(f"unknown objective term {name!r}; known: {', '.join(TERMS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 100 and np.isfinite(value)):
            raise ValidationError(f"coefficient of {name} must be a number in [0, 100]")
        coef[name] = float(value)
    asked = [t for t in TERMS if t in missing and coef[t] > 0]
    if asked:
        raise MissingInputError("; ".join(
            f"the targeting's term {t} cannot be computed: {missing[t]}; or set {t}=0 to "
            "target on the other terms" for t in asked))
    weight = sum((coef[t] * np.asarray(terms[t], float) for t in TERMS),
                 start=np.zeros_like(np.asarray(terms[TERMS[0]], float)))
    return weight, coef


def _stratum_gaps(sessions: sessionmaker[Session], territory: Territory) -> dict[str, float]:
    """How far each stratum's share of active members falls short of its population share
    (0: at or above; 1: no members at all), from the PUBLISHED coverage only: a stratum
    whose count is hidden (under 11, or to protect another) counts as having no members.
    The explanations show people per term for many cells whose strata mix is public, so
    exact gaps would let a reader solve for a hidden count; published ones add nothing."""
    from geo_caisse.enrolment.coverage import coverage

    report = coverage(sessions, territory)
    total = report["members"]
    gaps = {}
    for row in report["strata"]:
        share = row["population_share"]
        if not total or row["members"] is None or not share:
            gaps[row["stratum"]] = 1.0 if share else 0.0
        else:
            gaps[row["stratum"]] = max(0.0, 1.0 - (row["members"] / total) / share)
    return gaps


def recruitment_instance(walking: WalkingService, sessions: sessionmaker[Session],
                         territory: Territory, *, reach_min: float = 10.0,
                         flows: MonaFlows | None = None, year: str | None = None,
                         coefficients: Mapping[str, float] | None = None
                         ) -> RecruitmentInstance:
    """The territory's targeting instance (see the module's docstring for the terms)."""
    from geo_caisse.core.crs import WGS84, transformer
    from geo_caisse.enrolment.strata import territory_strata
    from geo_caisse.storage.layers import (
        MarketRepository,
        PointOfSaleFilter,
        PointOfSaleRepository,
    )
    from geo_caisse.walk.accessibility import Accessibility, Destinations
    from geo_caisse.walk.missing import low_income_missing

    if isinstance(reach_min, bool) or not isinstance(reach_min, int | float) or not (
            1 <= reach_min <= 30):
        raise ValidationError(f"reach_min must be between 1 and 30 minutes, got {reach_min!r}")
    cfg = territory.access
    access, conventionnes = walking.accessibility(sessions)
    pop = walking.population
    network = walking.network
    size = float(cfg.cell_size_m)
    covered = pop.covered & (pop.population > 0)
    cx = np.floor(pop.x_m / size).astype(np.int64)
    cy = np.floor(pop.y_m / size).astype(np.int64)
    keys = cx * 1_000_003 + cy
    uniq, cell_of = np.unique(np.where(covered, keys, -1), return_inverse=True)
    has_cell = uniq >= 0
    cell_index = np.cumsum(has_cell) - 1                   # unique key -> cell number
    point_cell = np.where(covered, cell_index[cell_of], -1)
    n_cells = int(has_cell.sum())
    pts = np.flatnonzero(point_cell >= 0)

    def per_cell(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.bincount(point_cell[pts], weights=values[pts],
                           minlength=n_cells).astype(np.float64)

    people = per_cell(pop.population)
    missing: dict[str, str] = {}
    income = low_income_missing(territory, pop)
    if income is not None:
        missing["desert_low_income"] = income
    # (a) low-income people in food deserts
    desert = np.nan_to_num(access.point_time_min, nan=0.0, posinf=np.inf) > \
        cfg.desert_threshold_min
    term_a = per_cell(pop.low_income * desert)
    # (b) people of under-represented strata, by their neighbourhood's strata mix
    try:
        strata = territory_strata(territory)
        gaps = _stratum_gaps(sessions, territory)
    except MissingInputError as exc:   # no [enrolment] strata: the term is unknown
        missing["under_represented"] = str(exc)
        strata, gaps = {}, {}
    level = max(pop.area_index, key=territory.level_rank)  # the finest level with people
    area_of = pop.area_index[level]
    mix = np.zeros(len(pop.areas))
    for a, area in enumerate(pop.areas):
        row = strata.get(area.code)
        if row and area.population:
            mix[a] = sum(row[s] * gaps[s] for s in STRATA) / float(area.population)
    point_mix = np.where(area_of >= 0, mix[np.maximum(area_of, 0)], 0.0)
    term_b = per_cell(pop.population * point_mix)
    # (c) people near conventionnés few members pay
    conv_ids = np.array([p.id or -1 for p in conventionnes], dtype=np.int64)
    spare = np.ones(len(conventionnes))
    if flows is not None and year is not None and flows.years():
        payers = flows.vendors.payers_by_point_of_sale(year)
        counts = np.array([payers.get(int(i)) or 0 for i in conv_ids], dtype=float)
        reference = float(np.median(counts[counts > 0])) if (counts > 0).any() else 0.0
        if reference > 0:
            spare = 1.0 - np.minimum(1.0, counts / reference)
    point_spare = np.zeros(pop.n_points)
    for j, idx in enumerate(access.points_within(reach_min)):
        np.maximum.at(point_spare, idx, spare[j])
    term_c = per_cell(pop.population * point_spare)
    # sites: every point of sale and market, places for a recruitment stand
    with sessions() as session:
        every = PointOfSaleRepository(session).list(PointOfSaleFilter()).items
        markets = MarketRepository(session).list().items
    lon = np.array([p.lon for p in every] + [m.lon for m in markets], dtype=float)
    lat = np.array([p.lat for p in every] + [m.lat for m in markets], dtype=float)
    x, y = transformer(WGS84, network.crs).transform(lon, lat)
    sites = Destinations.at(network, np.asarray(x, float).tolist(),
                            np.asarray(y, float).tolist())
    site_access = Accessibility(network, sites, pop, walk_speed_kmh=cfg.walk_speed_kmh)
    rows, cols = [], []
    for j, idx in enumerate(site_access.points_within(reach_min)):
        cells = np.unique(point_cell[idx])
        cells = cells[cells >= 0]
        rows.append(cells)
        cols.append(np.full(cells.size, j))
    r = np.concatenate(rows) if rows else np.zeros(0, np.intp)
    c = np.concatenate(cols) if cols else np.zeros(0, np.intp)
    cover = sp.csc_array((np.ones(r.size, dtype=bool), (r, c)), shape=(n_cells, len(sites)))
    terms = {"desert_low_income": term_a, "under_represented": term_b,
             "spare_capacity": term_c}
    weight, coef = combine_terms(terms, coefficients, missing)
    first_point = np.full(n_cells, -1, dtype=np.intp)
    first_point[point_cell[pts][::-1]] = pts[::-1]
    codes = [pop.areas[a].code if a >= 0 else "" for a in area_of[first_point]]
    conv_dest = access.destinations
    return RecruitmentInstance(
        instance=CoverageInstance(weight, cover), terms=terms, coefficients=coef,
        cell_x_m=(cx[first_point] * size).astype(np.float64),
        cell_y_m=(cy[first_point] * size).astype(np.float64), cell_size_m=size,
        cell_people=people, cell_area=codes,
        site_kind=["point_of_sale"] * len(every) + ["market"] * len(markets),
        site_id=np.array([p.id or -1 for p in every] + [m.id or -1 for m in markets],
                         dtype=np.int64),
        site_name=[p.name for p in every] + [m.name for m in markets],
        site_lonlat=np.column_stack([lon, lat]), reach_min=float(reach_min),
        site_conventionnes=site_access.destinations_within(reach_min, conv_dest),
        conv_id=conv_ids, conv_name=[p.name for p in conventionnes], conv_spare=spare,
        metric_crs=network.crs, missing=missing)


def with_coefficients(rec: RecruitmentInstance, coefficients: Mapping[str, float] | None
                      ) -> RecruitmentInstance:
    """The same instance with other term coefficients (no walking search again)."""
    weight, coef = combine_terms(rec.terms, coefficients, rec.missing)
    return replace(rec, instance=CoverageInstance(weight, rec.instance.cover),
                   coefficients=coef)
