"""Recruitment targeting: choose ``k`` places to recruit around, as a maximal covering problem.

The solver half is generic. A :class:`CoverageInstance` holds demand cells (with a weight)
and candidate sites (each covering some cells). :func:`solve_exact` maximises the covered
weight with exactly ``k`` sites, to optimality, as a MILP solved by HiGHS
(``scipy.optimize.milp``) after two exact reductions (cells no site covers or of zero
weight are dropped; cells covered by the same set of sites are merged). The coverage
variables are continuous in [0, 1]: at an integral choice of sites the optimum sets them
to 0 or 1, so the optimum is the same and the solver branches on the sites only.
:func:`solve_greedy` is lazy greedy then best-improvement swaps, with an upper bound on the
optimum (the greedy value plus the ``k`` largest marginal gains left, Leskovec et al.
2007). :func:`solve_interactive` (the map's interactive mode) adds the Lagrangian bound
within a time budget, so its gap to the optimum is proven without an exact solve.

The caisse half (:func:`recruitment_instance`) builds the Montpellier instance: demand
cells are the territory's 200 m population cells, sites are every point of sale and market
(a place to hold a recruitment stand), a cell is covered by a site within ``reach_min``
minutes' walk. A cell's weight is in people, the sum of three stated terms:

- ``desert_low_income``: low-income people living in a food desert (no conventionné within
  the desert threshold);
- ``under_represented``: people in strata the members under-represent, each stratum
  weighted by how far its share of members falls short of its share of the population
  (the neighbourhood's own strata mix, from ``[enrolment] strata``; member counts as the
  coverage publishes them, hidden ones as none);
- ``spare_capacity``: people within ``reach_min`` of conventionnés that few members pay,
  weighted by how far below the median conventionné's number of payers they are (counts
  under the 11-member rule count as 0, so no small count is used or shown).

Each term has a coefficient (default 1). :func:`explain` says what every chosen site brings:
people per term (first come, first counted), neighbourhoods, and the Mona a stand there
could bring to which conventionnés.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from geo_caisse._errors import ValidationError
from geo_caisse.enrolment import STRATA

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.flows import MonaFlows
    from geo_caisse.territory import Territory
    from geo_caisse.walking import WalkingService

TERMS = ("desert_low_income", "under_represented", "spare_capacity")


@dataclass(frozen=True, eq=False)
class CoverageInstance:
    """Demand cells × candidate sites. ``cover[i, j]`` is true when site ``j`` covers cell
    ``i``; ``weight[i]`` is the value of covering cell ``i``."""

    weight: NDArray[np.float64]
    cover: sp.csc_array

    def __post_init__(self) -> None:
        w = np.asarray(self.weight, dtype=float)
        if w.ndim != 1 or w.shape[0] != self.cover.shape[0]:
            raise ValidationError(f"{w.shape[0] if w.ndim == 1 else w.shape} weights for "
                                  f"{self.cover.shape[0]} cells")
        if not np.all(np.isfinite(w)) or (w < 0).any():
            raise ValidationError("cell weights must be finite and >= 0")

    @property
    def n_cells(self) -> int:
        return int(self.cover.shape[0])

    @property
    def n_sites(self) -> int:
        return int(self.cover.shape[1])

    @classmethod
    def from_dense(cls, weight: Sequence[float] | NDArray[np.float64],
                   covers: NDArray[np.bool_]) -> CoverageInstance:
        return cls(np.asarray(weight, dtype=float), sp.csc_array(np.asarray(covers, dtype=bool)))

    def objective(self, sites: Sequence[int] | NDArray[np.intp]) -> float:
        """The weight covered by ``sites``."""
        chosen = np.zeros(self.n_sites, dtype=bool)
        chosen[np.asarray(sites, dtype=np.intp)] = True
        covered = (self.cover @ chosen.astype(np.int32)) > 0
        return float(self.weight[covered].sum())


@dataclass(frozen=True)
class Solution:
    """Chosen sites, their covered weight, and an upper bound on the optimum."""

    sites: tuple[int, ...]
    objective: float
    bound: float
    method: str
    seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def gap(self) -> float:
        """Relative distance to the bound (0: proved optimal)."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.objective) / self.bound)


def _check_k(k: int, n_sites: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n_sites:
        raise ValidationError(f"k must be an integer between 1 and {n_sites} (the sites), "
                              f"got {k!r}")
    return int(k)


def reduce_instance(inst: CoverageInstance) -> CoverageInstance:
    """The same problem with fewer cells: no zero-weight or uncovered cells, and cells with
    the same covering sites merged (their weights added). Same optimum, same sites."""
    csr = sp.csr_array(inst.cover)
    csr.sort_indices()
    keep = (inst.weight > 0) & (np.diff(csr.indptr) > 0)
    rows = np.flatnonzero(keep)
    signature: dict[bytes, int] = {}
    group = np.empty(rows.size, dtype=np.intp)
    for r, i in enumerate(rows):
        key = csr.indices[csr.indptr[i]:csr.indptr[i + 1]].tobytes()
        group[r] = signature.setdefault(key, len(signature))
    n = len(signature)
    weight = np.bincount(group, weights=inst.weight[rows], minlength=n).astype(np.float64)
    first = np.full(n, -1, dtype=np.intp)
    first[group[::-1]] = rows[::-1]
    return CoverageInstance(weight, sp.csc_array(csr[first]))


def dominated_sites(inst: CoverageInstance) -> NDArray[np.bool_]:
    """Sites whose covered cells (of positive weight) are all covered by one other kept site:
    a site covering a subset of another's cells (or the same cells, but a later index).
    Dropping them keeps an optimum whenever at least ``k`` sites remain."""
    c = sp.csc_array(inst.cover[inst.weight > 0], dtype=np.int32)
    size = np.asarray(c.sum(axis=0)).ravel()
    overlap = (c.T @ c).tocoo()
    i, j, v = overlap.row, overlap.col, overlap.data
    # i is inside j: all of i's cells are j's; j larger, or equal and earlier
    inside = (i != j) & (v == size[i]) & ((size[j] > size[i]) | ((size[j] == size[i]) & (j < i)))
    out = np.zeros(inst.n_sites, dtype=bool)
    out[i[inside]] = True
    out[size == 0] = True
    return out


def lagrangian_bound(inst: CoverageInstance, k: int, *, lower: float,
                     iterations: int = 300, deadline: float = np.inf
                     ) -> tuple[float, NDArray[np.float64], NDArray[np.intp], float]:
    """An upper bound on the best ``k``-site coverage, by Lagrangian relaxation of the
    coverage constraints (multiplier ``u_i`` in ``[0, w_i]`` per cell; Galvão & ReVelle
    1996), minimised by subgradient steps towards ``lower`` (a known solution's value).

    ``L(u) = Σ_i max(0, w_i - u_i) + (sum of the k largest site scores Σ_{i∈N_j} u_i)``
    bounds every solution for any ``u``. Each step's ``k`` best-scored sites are also a
    solution (the Lagrangian heuristic); the best one raises ``lower`` as it goes. Returns
    the best bound, its site scores (used to fix sites, see :func:`solve_exact`), the best
    solution seen and its value."""
    w = inst.weight
    cover = sp.csr_array(inst.cover, dtype=float)
    cover_t = sp.csr_array(cover.T)
    degree = np.maximum(np.diff(cover.indptr), 1)
    u = w / degree
    best, best_score = np.inf, np.zeros(inst.n_sites)
    theta, stall = 2.0, 0
    tol = 1e-9 * max(1.0, abs(lower))
    primal, primal_value = np.zeros(0, dtype=np.intp), -np.inf
    for _ in range(iterations):
        if time.perf_counter() > deadline:
            break
        score = cover_t @ u
        top = np.argpartition(-score, k - 1)[:k]
        value = float(np.maximum(w - u, 0.0).sum() + score[top].sum())
        chosen = np.zeros(inst.n_sites)
        chosen[top] = 1.0
        count = cover @ chosen
        covered_value = float(w[count > 0].sum())
        if covered_value > primal_value:
            primal, primal_value = top.astype(np.intp), covered_value
            lower = max(lower, covered_value)
        if value < best - tol:
            best, best_score, stall = value, score, 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        if best - lower <= tol or theta < 1e-4:
            break
        g = count - (w > u)
        norm = float(g @ g)
        if norm == 0:
            break
        u = np.clip(u - theta * (value - lower) / norm * g, 0.0, w)
    return best, best_score, primal, primal_value


def _fix_sites(bound: float, score: NDArray[np.float64], k: int, lower: float
               ) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Sites every solution better than ``lower`` must hold, and sites none may hold, by
    forcing each site out of (or into) the Lagrangian's choice at the bound's multipliers."""
    n = score.size
    order = np.argsort(-score, kind="stable")
    kth = score[order[k - 1]]
    next_best = score[order[k]] if n > k else -np.inf
    tol = 1e-9 * max(1.0, abs(lower))
    top = np.zeros(n, dtype=bool)
    top[order[:k]] = True
    fixed_in = np.flatnonzero(top & (bound - score + next_best <= lower + tol))
    fixed_out = ~top & (bound - kth + score <= lower + tol)
    return fixed_in, fixed_out


def solve_exact(inst: CoverageInstance, k: int, *, time_limit_s: float = 120.0) -> Solution:
    """The optimal ``k`` sites. Raises if HiGHS stops before proving it.

    Exact reductions first (dominated sites, merged cells), then a solution by greedy and
    swaps and a Lagrangian bound: when they meet, that solution is optimal; otherwise
    the bound fixes the sites every better solution must hold or cannot hold, and the
    MILP (HiGHS) settles the few sites left.
    """
    k = _check_k(k, inst.n_sites)
    start = time.perf_counter()
    dropped = dominated_sites(inst)
    kept = np.flatnonzero(~dropped)
    if kept.size < k:  # too few distinct sites: keep them all, complete with dropped ones
        return _complete(inst, kept, k, start, "fewer distinct sites than k")
    red = reduce_instance(CoverageInstance(inst.weight, sp.csc_array(inst.cover[:, kept])))
    notes = [f"{inst.n_cells} cells reduced to {red.n_cells}, {inst.n_sites} sites to "
             f"{red.n_sites}"]
    if red.n_cells == 0:
        return _complete(inst, kept[:0], k, start, "no cell has weight: any sites")
    greedy = solve_greedy(red, k, max_seconds=0.02)
    bound, score, primal, primal_value = lagrangian_bound(red, k, lower=greedy.objective)
    best = np.array(greedy.sites, dtype=np.intp)
    lower = greedy.objective
    if primal_value > lower:
        best = np.array(_swaps(red, primal.tolist(), time.perf_counter() + 0.02), np.intp)
        lower = red.objective(best)
    if bound - lower > 1e-9 * max(1.0, lower):
        fixed_in, fixed_out = _fix_sites(bound, score, k, lower)
        notes.append(f"Lagrangian bound fixed {fixed_in.size} sites in, "
                     f"{int(fixed_out.sum())} out")
        free = np.flatnonzero(~fixed_out)
        free = free[~np.isin(free, fixed_in)]
        rest = k - fixed_in.size
        if rest > 0:
            covered = (red.cover[:, fixed_in].sum(axis=1) > 0) if fixed_in.size else \
                np.zeros(red.n_cells, dtype=bool)
            sub = CoverageInstance(np.where(covered, 0.0, red.weight),
                                   sp.csc_array(red.cover[:, free]))
            picked = free[list(_milp_sites(sub, rest, time_limit_s))] if free.size >= rest \
                else free
            candidate = np.concatenate([fixed_in, picked]).astype(np.intp)
        else:
            candidate = fixed_in
        if candidate.size == k and red.objective(candidate) > lower:
            best = candidate
    else:
        notes.append("heuristic solution proved optimal by the Lagrangian bound")
    sites = tuple(sorted(int(kept[j]) for j in best))
    value = inst.objective(sites)
    return Solution(sites, value, value, "exact", time.perf_counter() - start, tuple(notes))


def _milp_sites(inst: CoverageInstance, k: int, time_limit_s: float) -> tuple[int, ...]:
    """The optimal ``k`` sites by MILP (HiGHS), after the exact reductions."""
    dropped = dominated_sites(inst)
    kept = np.flatnonzero(~dropped)
    if kept.size < k:
        extra = np.flatnonzero(dropped)[:k - kept.size]
        return tuple(int(j) for j in np.concatenate([kept, extra]))
    red = reduce_instance(CoverageInstance(inst.weight, sp.csc_array(inst.cover[:, kept])))
    n = red.n_sites
    if red.n_cells == 0:
        return tuple(int(j) for j in kept[:k])
    # a cell only one site covers is covered exactly when that site is chosen: its weight
    # goes to the site's own value and the cell leaves the model
    csr = sp.csr_array(red.cover, dtype=float)
    single = np.diff(csr.indptr) == 1
    site_value = np.bincount(csr.indices[csr.indptr[:-1][single]],
                             weights=red.weight[single], minlength=n)
    multi = np.flatnonzero(~single)
    cover = csr[multi]
    m = multi.size
    # variables: x (n sites, binary), y (m cells, continuous in [0, 1]); maximise w·y
    c = np.concatenate([-site_value, -red.weight[multi]])
    a = sp.vstack([sp.hstack([-cover, sp.eye_array(m, format="csr")]),
                   sp.hstack([sp.csr_array(np.ones((1, n))), sp.csr_array((1, m))])],
                  format="csr")
    lo = np.concatenate([np.full(m, -np.inf), [k]])
    hi = np.concatenate([np.zeros(m), [k]])
    res = milp(c, constraints=LinearConstraint(a, lo, hi),
               integrality=np.concatenate([np.ones(n), np.zeros(m)]), bounds=Bounds(0, 1),
               options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    if res.status != 0 or res.x is None:
        raise ValidationError(f"the exact targeting problem was not solved: {res.message}")
    return tuple(int(kept[j]) for j in np.flatnonzero(res.x[:n] > 0.5))


def _complete(inst: CoverageInstance, kept: NDArray[np.intp], k: int, start: float,
              note: str) -> Solution:
    """All of ``kept`` plus other sites up to ``k``: optimal when ``kept`` covers every
    cell any site covers (``kept`` are the non-dominated sites)."""
    rest = [j for j in range(inst.n_sites) if j not in set(kept.tolist())]
    sites = tuple(sorted([int(j) for j in kept] + rest[:k - kept.size]))
    value = inst.objective(sites)
    return Solution(sites, value, value, "exact", time.perf_counter() - start, (note,))


def _swaps(inst: CoverageInstance, chosen: list[int], deadline: float) -> list[int]:
    """Best-improvement swaps (one chosen site for one other) until none improves or the
    deadline (``time.perf_counter()``) passes."""
    cover, w = inst.cover, inst.weight
    indptr, indices = cover.indptr, cover.indices
    csr_t = sp.csr_array(cover.T)  # sites × cells
    chosen = list(chosen)
    while time.perf_counter() < deadline:
        in_s = np.zeros(inst.n_sites, dtype=bool)
        in_s[chosen] = True
        count = cover @ in_s.astype(np.int32)
        gain0 = csr_t @ (w * (count == 0))            # adding c with nothing removed
        once = w * (count == 1)
        best, best_pair = 1e-9 * max(1.0, float(w.sum())), None
        for pos, s in enumerate(chosen):
            s_cells = np.zeros(inst.n_cells)
            s_cells[indices[indptr[s]:indptr[s + 1]]] = 1.0
            loss = float((once * s_cells).sum())
            delta = gain0 + csr_t @ (once * s_cells) - loss
            delta[in_s] = -np.inf
            c = int(np.argmax(delta))
            if delta[c] > best:
                best, best_pair = float(delta[c]), (pos, c)
        if best_pair is None:
            break
        chosen[best_pair[0]] = best_pair[1]
    return chosen


def solve_greedy(inst: CoverageInstance, k: int, *, swaps: bool = True,
                 max_seconds: float = 0.04) -> Solution:
    """Lazy greedy, then best-improvement swaps (within ``max_seconds``), with a bound."""
    k = _check_k(k, inst.n_sites)
    start = time.perf_counter()
    cover = inst.cover
    w = inst.weight
    indptr, indices = cover.indptr, cover.indices
    covered = np.zeros(inst.n_cells, dtype=bool)

    def gain(j: int) -> float:
        cells = indices[indptr[j]:indptr[j + 1]]
        return float(w[cells][~covered[cells]].sum())

    initial = (cover.T @ w) if inst.n_cells else np.zeros(inst.n_sites)
    heap = [(-float(g), j) for j, g in enumerate(initial)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < k and heap:
        _, j = heapq.heappop(heap)
        g = gain(j)
        if not heap or g >= -heap[0][0] - 1e-12:
            chosen.append(j)
            covered[indices[indptr[j]:indptr[j + 1]]] = True
        else:
            heapq.heappush(heap, (-g, j))
    method = "greedy"
    if swaps and k < inst.n_sites:
        method = "greedy+swaps"
        chosen = _swaps(inst, chosen, start + max_seconds)
    value = inst.objective(chosen)
    # Leskovec's online bound: OPT <= f(S) + the k largest marginal gains w.r.t. S
    in_s = np.zeros(inst.n_sites, dtype=bool)
    in_s[chosen] = True
    now_covered = (cover @ in_s.astype(np.int32)) > 0
    marginal = cover.T @ (w * ~now_covered)
    marginal[in_s] = 0.0
    bound = value + float(np.sort(marginal)[::-1][:k].sum())
    return Solution(tuple(sorted(chosen)), value, bound, method, time.perf_counter() - start)


def solve_interactive(inst: CoverageInstance, k: int, *, budget_s: float = 0.045
                      ) -> Solution:
    """The interactive mode: greedy with swaps, then the Lagrangian bound (and its
    solutions) for what is left of ``budget_s``: a good solution and a proven gap fast."""
    start = time.perf_counter()
    greedy = solve_greedy(inst, k, max_seconds=budget_s / 3)
    bound, _, primal, primal_value = lagrangian_bound(
        inst, k, lower=greedy.objective, deadline=start + budget_s)
    sites, value = greedy.sites, greedy.objective
    if primal_value > value:
        sites, value = tuple(sorted(int(j) for j in primal)), primal_value
    return Solution(sites, value, max(value, min(bound, greedy.bound)), "interactive",
                    time.perf_counter() - start)


# --- the caisse's instance ----------------------------------------------------------------------

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


def combine_terms(terms: Mapping[str, NDArray[np.float64]],
                  coefficients: Mapping[str, float] | None) -> tuple[NDArray[np.float64],
                                                                    dict[str, float]]:
    """The cell weights: the terms times their coefficients (default 1 each)."""
    coef = {t: 1.0 for t in TERMS}
    for name, value in (coefficients or {}).items():
        if name not in TERMS:
            raise ValidationError(f"unknown objective term {name!r}; known: {', '.join(TERMS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 100 and np.isfinite(value)):
            raise ValidationError(f"coefficient of {name} must be a number in [0, 100]")
        coef[name] = float(value)
    weight = sum((coef[t] * np.asarray(terms[t], float) for t in TERMS),
                 start=np.zeros_like(np.asarray(terms[TERMS[0]], float)))
    return weight, coef


def explain(rec: RecruitmentInstance, solution: Solution, *, members_per_site: int,
            monthly_allocation_mona: float) -> list[dict[str, Any]]:
    """What each chosen site brings, in the order of what it adds (first come, first
    counted: a cell covered by two chosen sites is counted for the first)."""
    cover = rec.instance.cover
    indptr, indices = cover.indptr, cover.indices
    taken = np.zeros(rec.instance.n_cells, dtype=bool)
    order = sorted(solution.sites, key=lambda j: -float(
        rec.instance.weight[indices[indptr[j]:indptr[j + 1]]].sum()))
    out = []
    for j in order:
        cells = indices[indptr[j]:indptr[j + 1]]
        new = cells[~taken[cells]]
        taken[new] = True
        areas: dict[str, float] = {}
        for i in new:
            areas[rec.cell_area[i]] = areas.get(rec.cell_area[i], 0.0) + rec.cell_people[i]
        nearby = rec.site_conventionnes[j]
        mona = members_per_site * monthly_allocation_mona
        inv = np.array([1.0 / (1.0 + t) for _, t in nearby]) if nearby else np.zeros(0)
        share = inv / inv.sum() if inv.size else inv
        out.append({
            "site": {"kind": rec.site_kind[j], "id": int(rec.site_id[j]),
                     "name": rec.site_name[j], "lon": round(float(rec.site_lonlat[j, 0]), 6),
                     "lat": round(float(rec.site_lonlat[j, 1]), 6)},
            "value": round(float(rec.instance.weight[new].sum()), 1),
            "people_reached": round(float(rec.cell_people[new].sum())),
            "terms": {t: round(float(rec.terms[t][new].sum())) for t in TERMS},
            "neighbourhoods": [c for c, _ in sorted(areas.items(), key=lambda kv: -kv[1])
                               if c][:4],
            "mona_per_month": {
                "assumed_new_members": members_per_site, "total": round(mona),
                "to": [{"id": int(rec.conv_id[c]), "name": rec.conv_name[c],
                        "walk_min": round(t, 1), "spare": round(float(rec.conv_spare[c]), 2),
                        "mona": round(mona * float(s))}
                       for (c, t), s in sorted(zip(nearby, share, strict=True),
                                               key=lambda p: -p[1])[:5]]},
        })
    return out


def _stratum_gaps(sessions: sessionmaker[Session], territory: Territory) -> dict[str, float]:
    """How far each stratum's share of active members falls short of its population share
    (0: at or above; 1: no members at all), from the PUBLISHED coverage only: a stratum
    whose count is hidden (under 11, or to protect another) counts as having no members.
    The explanations show people per term for many cells whose strata mix is public, so
    exact gaps would let a reader solve for a hidden count; published ones add nothing."""
    from geo_caisse.membership import coverage

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
    from geo_caisse.accessibility import Accessibility, Destinations
    from geo_caisse.crs import WGS84, transformer
    from geo_caisse.enrolment import territory_strata
    from geo_caisse.storage.repositories import (
        MarketRepository,
        PointOfSaleFilter,
        PointOfSaleRepository,
    )

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
    # (a) low-income people in food deserts
    desert = np.nan_to_num(access.point_time_min, nan=0.0, posinf=np.inf) > \
        cfg.desert_threshold_min
    term_a = per_cell(pop.low_income * desert)
    # (b) people of under-represented strata, by their neighbourhood's strata mix
    strata = territory_strata(territory)
    gaps = _stratum_gaps(sessions, territory)
    level = min(pop.area_index, key=lambda lv: {"sous_quartier": 0, "quartier": 1}.get(lv, 2))
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
        payers = flows.payers_by_point_of_sale(year)
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
    weight, coef = combine_terms(terms, coefficients)
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
        metric_crs=network.crs)


def with_coefficients(rec: RecruitmentInstance, coefficients: Mapping[str, float] | None
                      ) -> RecruitmentInstance:
    """The same instance with other term coefficients (no walking search again)."""
    weight, coef = combine_terms(rec.terms, coefficients)
    return replace(rec, instance=CoverageInstance(weight, rec.instance.cover),
                   coefficients=coef)


def target(rec: RecruitmentInstance, k: int, *, mode: str = "exact",
           members_per_site: int = 20, monthly_allocation_mona: float = 100.0
           ) -> dict[str, Any]:
    """Solve and explain: the chosen sites, the covered cells (GeoJSON, WGS84), the
    objective per term and how the answer was obtained."""
    from shapely.geometry import box, mapping

    from geo_caisse.crs import WGS84, reproject

    if mode not in ("exact", "interactive"):
        raise ValidationError(f"mode must be 'exact' or 'interactive', got {mode!r}")
    if isinstance(members_per_site, bool) or not 1 <= members_per_site <= 10_000:
        raise ValidationError("members_per_site must be between 1 and 10000")
    solution = (solve_exact(rec.instance, k) if mode == "exact"
                else solve_interactive(rec.instance, k))
    chosen = np.zeros(rec.instance.n_sites, dtype=bool)
    chosen[list(solution.sites)] = True
    covering = rec.instance.cover @ chosen.astype(np.int32)
    covered = np.flatnonzero(covering > 0)
    features = []
    size = rec.cell_size_m
    for i in covered:
        x0, y0 = float(rec.cell_x_m[i]), float(rec.cell_y_m[i])
        geom = reproject(box(x0, y0, x0 + size, y0 + size), rec.metric_crs, WGS84)
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": {
            "people": round(float(rec.cell_people[i])),
            "value": round(float(rec.instance.weight[i]), 1),
            **{t: round(float(rec.terms[t][i])) for t in TERMS}}})
    return {
        "k": len(solution.sites), "reach_min": rec.reach_min, "method": solution.method,
        "objective": round(solution.objective, 1), "bound": round(solution.bound, 1),
        "gap": round(solution.gap, 4), "seconds": round(solution.seconds, 4),
        "notes": list(solution.notes), "coefficients": dict(rec.coefficients),
        "terms_covered": {t: round(float(rec.terms[t][covered].sum())) for t in TERMS},
        "terms_total": {t: round(float(rec.terms[t].sum())) for t in TERMS},
        "instance": {"cells": rec.instance.n_cells, "sites": rec.instance.n_sites},
        "sites": explain(rec, solution, members_per_site=members_per_site,
                         monthly_allocation_mona=monthly_allocation_mona),
        "cells": {"type": "FeatureCollection", "features": features},
        "estimates": "people are census estimates spread over address points (see data/README)",
    }


__all__ = ["TERMS", "CoverageInstance", "RecruitmentInstance", "Solution", "combine_terms",
           "dominated_sites", "explain", "lagrangian_bound", "recruitment_instance",
           "reduce_instance", "solve_exact", "solve_greedy", "solve_interactive", "target",
           "with_coefficients"]
