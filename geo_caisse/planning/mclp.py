"""The maximal covering location problem, solved apart from any geography.

A :class:`CoverageInstance` holds demand cells (with a weight) and candidate sites (each
covering some cells), as PySAL spopt keeps ``from_cost_matrix`` apart from
``from_geodataframe``. :func:`solve_exact` maximises the covered weight with exactly ``k``
sites, to optimality, as a MILP solved by HiGHS (``scipy.optimize.milp``) after exact
reductions (cells no site covers or of zero weight are dropped; cells covered by the same
set of sites are merged; dominated sites removed), a tabu swap search for the incumbent
(:mod:`._search`), a Lagrangian bound and the sites it fixes; HiGHS gets the incumbent's
value as a cutoff, so it only has to prove that nothing beats it. The coverage variables
are continuous in [0, 1]: at an integral choice of sites the optimum sets them to 0 or 1,
so the optimum is the same and the solver branches on the sites only. :func:`solve_greedy`
is lazy greedy then best-improvement swaps, with an upper bound on the optimum (the greedy
value plus the ``k`` largest marginal gains left, Leskovec et al. 2007).
:func:`solve_interactive` (the map's interactive mode) runs the reductions, greedy, the
tabu search and the Lagrangian bound within a time budget, so its gap to the optimum is
proven without an exact solve.
"""

from __future__ import annotations

import heapq
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from geo_caisse.core.errors import ValidationError
from geo_caisse.planning._search import tabu_swaps


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
    tabu swaps and a Lagrangian bound: when they meet, that solution is optimal; otherwise
    the bound fixes the sites every better solution must hold or cannot hold, and the
    MILP (HiGHS, with the solution's value as a cutoff) settles the sites left.
    """
    k = _check_k(k, inst.n_sites)
    start = time.perf_counter()
    reduced = _reduced(inst, k, start)
    if isinstance(reduced, Solution):
        return reduced
    kept, red = reduced
    notes = [f"{inst.n_cells} cells reduced to {red.n_cells}, {inst.n_sites} sites to "
             f"{red.n_sites}"]
    greedy = solve_greedy(red, k, swaps=False)
    best = _tabu(red, greedy.sites)
    lower = red.objective(best)
    bound, score, primal, primal_value = lagrangian_bound(red, k, lower=lower)
    if primal_value > lower:
        best = _tabu(red, primal)
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
            # the MILP only looks for sets beating the incumbent (on the cells left)
            picked = free[list(_milp_sites(sub, rest, time_limit_s,
                                           lower=lower - float(red.weight[covered].sum())))] \
                if free.size >= rest else free
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


def _reduced(inst: CoverageInstance, k: int, start: float
             ) -> tuple[NDArray[np.intp], CoverageInstance] | Solution:
    """The sites no other dominates (their indices in ``inst``) and the instance on them
    after the exact reductions; or the answer itself when that leaves nothing to choose
    (too few distinct sites: all of them, completed with dominated ones; no cell with
    weight: any sites)."""
    kept = np.flatnonzero(~dominated_sites(inst))
    if kept.size < k:
        return _complete(inst, kept, k, start, "fewer distinct sites than k")
    red = reduce_instance(CoverageInstance(inst.weight, sp.csc_array(inst.cover[:, kept])))
    if red.n_cells == 0:
        return _complete(inst, kept[:0], k, start, "no cell has weight: any sites")
    return kept, red


def _milp_sites(inst: CoverageInstance, k: int, time_limit_s: float, *,
                lower: float = -np.inf) -> tuple[int, ...]:
    """The optimal ``k`` sites by MILP (HiGHS), after the exact reductions; or, given the
    value ``lower`` of a known solution, an empty tuple when none covers more (HiGHS then
    prunes every node whose bound does not beat ``lower``: the incumbent as a cutoff)."""
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
    options: dict[str, float] = {"time_limit": time_limit_s, "mip_rel_gap": 0.0}
    if np.isfinite(lower):
        # HiGHS's own option, which scipy passes on (with a warning) though it does not
        # document it: the search proves no solution beats the bound, or finds one that
        # does. A scipy that dropped it would make the solve slower, not wrong.
        options["objective_bound"] = -lower + 1e-9 * max(1.0, abs(lower))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
        res = milp(c, constraints=LinearConstraint(a, lo, hi),
                   integrality=np.concatenate([np.ones(n), np.zeros(m)]),
                   bounds=Bounds(0, 1), options=options)
    if res.status == 2 and np.isfinite(lower):
        return ()  # nothing beats the cutoff: the incumbent is optimal
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


def _tabu(inst: CoverageInstance, chosen: Sequence[int] | NDArray[np.intp], *,
          tenures: Sequence[int] = (15, 30, 60), steps: int = 300,
          deadline: float = np.inf) -> NDArray[np.intp]:
    """The best set a tabu swap search (:func:`._search.tabu_swaps`) meets from ``chosen``:
    ``steps`` steps with each tenure in turn, each run from the best set so far, stopping
    at the deadline (``time.perf_counter()``). Never worse than ``chosen``."""
    best = np.array(chosen, dtype=np.int64)
    if best.size == 0 or best.size >= inst.n_sites or inst.n_cells == 0:
        return best.astype(np.intp)
    csc, csr = sp.csc_array(inst.cover), sp.csr_array(inst.cover)
    arrays = (csc.indptr.astype(np.int64), csc.indices.astype(np.int64),
              csr.indptr.astype(np.int64), csr.indices.astype(np.int64),
              np.ascontiguousarray(inst.weight, dtype=np.float64))
    tol = 1e-9 * max(1.0, float(inst.weight.sum()))
    value = -np.inf
    chunk = 25
    for tenure in tenures:
        current = best.copy()
        until = np.zeros(inst.n_sites, dtype=np.int64)
        for step in range(0, steps, chunk):
            if time.perf_counter() >= deadline:
                return best.astype(np.intp)
            value, _ = tabu_swaps(*arrays, current, until, step, min(chunk, steps - step),
                                  tenure, best, value, tol)
    return best.astype(np.intp)


def compile_ahead() -> None:
    """Compile the tabu search (:func:`._search.tabu_swaps`) for the arrays :func:`_tabu`
    gives it, or load it from numba's disk cache, on a tiny instance: on a fresh install
    numba compiles it at the first targeting, seconds on a busy machine, which
    `geo-caisse init` takes instead."""
    cover = sp.csc_array(np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]], dtype=bool))
    _tabu(CoverageInstance(np.array([1.0, 2.0, 3.0]), cover), [0], steps=1)


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
    """The interactive mode: the exact reductions, greedy, then tabu swaps for half of
    ``budget_s``, then the Lagrangian bound (and its solutions) for most of what is left:
    a solution near the optimum and a proven gap fast."""
    k = _check_k(k, inst.n_sites)
    start = time.perf_counter()
    reduced = _reduced(inst, k, start)
    if isinstance(reduced, Solution):
        return reduced
    kept, red = reduced
    greedy = solve_greedy(red, k, swaps=False)
    best = _tabu(red, greedy.sites, deadline=start + budget_s / 2)
    value = red.objective(best)
    bound, _, primal, primal_value = lagrangian_bound(
        red, k, lower=value, deadline=start + 0.9 * budget_s)
    if primal_value > value:
        best, value = primal, primal_value
    sites = tuple(sorted(int(kept[j]) for j in best))
    value = inst.objective(sites)
    return Solution(sites, value, max(value, min(bound, greedy.bound)), "interactive",
                    time.perf_counter() - start)
