"""Compiled local search for the maximal covering problem (numba), used by :mod:`.mclp`.

The instance is given twice, as CSC of the cells × sites matrix (``site_ptr``,
``site_cells``: the cells each site covers) and as CSR (``cell_ptr``, ``cell_sites``: the
sites covering each cell), with the cells' weights ``w``.

:func:`tabu_swaps` moves from a set of ``k`` sites by the best swap (one chosen site out,
one other in) at each step, even when it loses weight, and forbids a removed site to come
back for ``tenure`` steps unless it would beat the best set seen (the usual aspiration
rule): a swap local search that climbs out of its local optima. A swap's value is
``gain0[c] - loss[s] + back[c]``: the uncovered weight ``c`` covers, minus the weight only
``s`` covers, plus the part of that weight ``c`` covers too. All swaps out of ``s`` are
scored in one pass over the cells only ``s`` covers, so a step costs about one pass over
the matrix.

numba compiles it on first use and caches the machine code on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def tabu_swaps(site_ptr: np.ndarray, site_cells: np.ndarray, cell_ptr: np.ndarray,
               cell_sites: np.ndarray, w: np.ndarray, chosen: np.ndarray,
               until: np.ndarray, step0: int, steps: int, tenure: int, best: np.ndarray,
               best_value: float, tol: float) -> tuple[float, float]:
    """``steps`` tabu swap steps from ``chosen`` (changed in place; ``until[j]`` is the
    step from which site ``j`` may come back, counted from ``step0``). ``best`` (in place)
    and ``best_value`` are the best set seen, updated. Returns the best value and the
    value of ``chosen`` at the end."""
    n = site_ptr.size - 1
    m = cell_ptr.size - 1
    k = chosen.size
    in_s = np.zeros(n, dtype=np.bool_)
    for p in range(k):
        in_s[chosen[p]] = True
    count = np.zeros(m, dtype=np.int64)
    for p in range(k):
        j = chosen[p]
        for t in range(site_ptr[j], site_ptr[j + 1]):
            count[site_cells[t]] += 1
    value = 0.0
    for i in range(m):
        if count[i] > 0:
            value += w[i]
    gain0 = np.zeros(n)
    back = np.zeros(n)
    for step in range(step0, step0 + steps):
        if value > best_value + tol:
            best_value = value
            best[:] = chosen
        for j in range(n):
            g = 0.0
            for t in range(site_ptr[j], site_ptr[j + 1]):
                if count[site_cells[t]] == 0:
                    g += w[site_cells[t]]
            gain0[j] = g
        move_value, move_p, move_c = -np.inf, -1, -1
        for p in range(k):
            s = chosen[p]
            back[:] = 0.0
            loss = 0.0
            for t in range(site_ptr[s], site_ptr[s + 1]):
                i = site_cells[t]
                if count[i] == 1:
                    loss += w[i]
                    for u in range(cell_ptr[i], cell_ptr[i + 1]):
                        back[cell_sites[u]] += w[i]
            for c in range(n):
                if in_s[c]:
                    continue
                d = gain0[c] - loss + back[c]
                if d > move_value and (until[c] <= step or value + d > best_value + tol):
                    move_value, move_p, move_c = d, p, c
        if move_p < 0:
            break
        s = chosen[move_p]
        for t in range(site_ptr[s], site_ptr[s + 1]):
            count[site_cells[t]] -= 1
        for t in range(site_ptr[move_c], site_ptr[move_c + 1]):
            count[site_cells[t]] += 1
        in_s[s] = False
        in_s[move_c] = True
        chosen[move_p] = move_c
        until[s] = step + tenure
        value += move_value
    if value > best_value + tol:
        best_value = value
        best[:] = chosen
    return best_value, value
