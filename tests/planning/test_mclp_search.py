"""The exact MCLP's inner parts: the tabu swap search (its bookkeeping, never worse than its
start), the MILP with the incumbent as a cutoff, and solve_exact against brute force on
instances where the Lagrangian bound does not close and the MILP runs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo_caisse.planning import mclp
from geo_caisse.planning.mclp import (
    CoverageInstance,
    _milp_sites,
    _tabu,
    solve_exact,
    solve_greedy,
    solve_interactive,
)


def random_instance(seed: int, cells: int, sites: int, radius: float) -> CoverageInstance:
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 10, (cells, 2))
    s = rng.uniform(0, 10, (sites, 2))
    d = np.hypot(c[:, None, 0] - s[None, :, 0], c[:, None, 1] - s[None, :, 1])
    return CoverageInstance.from_dense(rng.lognormal(2, 1, cells).round(), d <= radius)


def brute_force(inst: CoverageInstance, k: int) -> float:
    return max(inst.objective(list(c)) for c in itertools.combinations(range(inst.n_sites), k))


@pytest.mark.parametrize("seed", range(12))
def test_tabu_is_never_worse_than_its_start_and_its_value_is_the_objective(seed: int) -> None:
    inst = random_instance(seed, 120, 30, 1.5 + seed % 3)
    k = 2 + seed % 6
    start = solve_greedy(inst, k, swaps=False)
    for tenures, steps in (((3,), 5), ((5, 10), 40), ((15, 30, 60), 300)):
        best = _tabu(inst, start.sites, tenures=tenures, steps=steps)
        assert best.size == k and np.unique(best).size == k
        assert best.min() >= 0 and best.max() < inst.n_sites
        assert inst.objective(best) >= start.objective - 1e-9


def test_tabu_kernel_reports_the_value_of_the_set_it_returns() -> None:
    from geo_caisse.planning._search import tabu_swaps

    inst = random_instance(3, 200, 40, 2.0)
    csc, csr = inst.cover.tocsc(), inst.cover.tocsr()
    arrays = (csc.indptr.astype(np.int64), csc.indices.astype(np.int64),
              csr.indptr.astype(np.int64), csr.indices.astype(np.int64), inst.weight)
    chosen = np.arange(6, dtype=np.int64)
    best = chosen.copy()
    until = np.zeros(inst.n_sites, dtype=np.int64)
    best_value, value = tabu_swaps(*arrays, chosen, until, 0, 50, 7, best, -np.inf, 1e-9)
    assert best_value == pytest.approx(inst.objective(best))
    assert value == pytest.approx(inst.objective(chosen))
    assert best_value >= inst.objective(np.arange(6)) - 1e-9
    assert best_value >= value - 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_milp_with_a_cutoff_finds_better_sets_only(seed: int) -> None:
    inst = random_instance(seed, 80, 14, 2.0)
    k = 3 + seed % 3
    best = brute_force(inst, k)
    plain = _milp_sites(inst, k, 60.0)
    assert inst.objective(plain) == pytest.approx(best)
    # a cutoff below the optimum: the MILP still finds an optimum
    below = _milp_sites(inst, k, 60.0, lower=best - 1.0)
    assert len(below) == k and inst.objective(below) == pytest.approx(best)
    # a cutoff above it: nothing beats it (an empty answer, or a set no better)
    above = _milp_sites(inst, k, 60.0, lower=best + 1.0)
    assert above == () or inst.objective(above) <= best + 1e-9


# seeds where the Lagrangian bound does not meet the heuristic's value (most instances of
# this size it does, and the MILP is never built)
@pytest.mark.parametrize("weak_heuristic", [False, True])
@pytest.mark.parametrize("seed", [1, 5, 8, 10, 17, 19, 20, 21])
def test_exact_equals_brute_force_when_the_milp_runs(
        seed: int, weak_heuristic: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if weak_heuristic:  # the exact answer must not hang on the incumbent's quality
        monkeypatch.setattr(mclp, "_tabu", lambda inst, chosen, **kw: np.array(chosen))
    inst = random_instance(seed, 200, 20, 2.5)
    k = 4 + seed % 3
    best = brute_force(inst, k)
    exact = solve_exact(inst, k)
    # (with the weak heuristic the Lagrangian's own solutions may already close the gap)
    assert weak_heuristic or any(n.startswith("Lagrangian bound fixed") for n in exact.notes)
    assert len(exact.sites) == k and len(set(exact.sites)) == k
    assert exact.objective == pytest.approx(best) and exact.gap == 0.0
    fast = solve_interactive(inst, k)
    assert len(set(fast.sites)) == k
    assert fast.objective <= best + 1e-9 <= fast.bound + 1e-6
