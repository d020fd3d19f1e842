"""Compiled shortest-path kernels over CSR arrays (numba), used by :mod:`.accessibility`.

Every kernel works on a directed graph given as CSR arrays ``indptr`` (int64, n+1),
``indices`` (int32, m) and ``weights`` (float64, m, metres). They share one 4-ary heap
with lazy deletion (a node may be pushed several times; stale entries are skipped when
popped), as scipy's and pandana's Dijkstras do with theirs: four children a node make the
heap half as deep as a binary one, and the four keys compared at each step of a pop lie
side by side in memory (about 1.5 times faster on the Montpellier network).

- :func:`multi_source` — distance from every node to its nearest source, that source's
  label, and the predecessor on the way (one search for all sources at once).
- :func:`k_nearest` — the ``k`` nearest distinct sources of every node.
- :func:`improve_from` — a search from one new source that only enters nodes it brings
  strictly closer than their current distance (the exact "what if we add a point").
- :func:`repair_region` — recompute the nodes that had a removed source as nearest, seeded
  from their neighbours outside that region (the exact "what if we remove a point").
  With an all-infinity ``bound`` it is a plain search bounded by ``cap`` (2SFCA
  catchments, counts within 5/10/15/20 minutes).

numba compiles them on first use and caches the machine code on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True, inline="always")
def _push(hk: np.ndarray, hv: np.ndarray, hl: np.ndarray, size: int,
          key: float, val: int, lab: int) -> int:
    i = size
    size += 1
    while i > 0:
        parent = (i - 1) >> 2
        if hk[parent] <= key:
            break
        hk[i] = hk[parent]
        hv[i] = hv[parent]
        hl[i] = hl[parent]
        i = parent
    hk[i] = key
    hv[i] = val
    hl[i] = lab
    return size


@njit(cache=True, inline="always")
def _pop(hk: np.ndarray, hv: np.ndarray, hl: np.ndarray, size: int) -> int:
    """Remove the root (read it before calling); return the new size."""
    size -= 1
    key = hk[size]
    val = hv[size]
    lab = hl[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        child = first
        least = hk[first]
        for c in range(first + 1, min(first + 4, size)):
            if hk[c] < least:
                least = hk[c]
                child = c
        if least >= key:
            break
        hk[i] = least
        hv[i] = hv[child]
        hl[i] = hl[child]
        i = child
    if size > 0:
        hk[i] = key
        hv[i] = val
        hl[i] = lab
    return size


def _heap(capacity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.empty(capacity, np.float64), np.empty(capacity, np.int32),
            np.empty(capacity, np.int32))


@njit(cache=True)
def multi_source(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray,
                 src_node: np.ndarray, src_init: np.ndarray, limit: float,
                 hk: np.ndarray, hv: np.ndarray, hl: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest source of every node: ``(dist, label, pred)``; ``label`` -1 where unreached.

    ``src_init`` is each source's distance to its node (its snapping offset). Nodes farther
    than ``limit`` stay at infinity.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, INF)
    label = np.full(n, -1, np.int32)
    pred = np.full(n, -1, np.int32)
    done = np.zeros(n, np.bool_)
    size = 0
    for s in range(src_node.shape[0]):
        v = src_node[s]
        d = src_init[s]
        if d < dist[v]:
            dist[v] = d
            label[v] = s
            size = _push(hk, hv, hl, size, d, v, s)
    while size > 0:
        d = hk[0]
        v = hv[0]
        size = _pop(hk, hv, hl, size)
        if done[v]:
            continue
        done[v] = True
        lab = label[v]
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if nd < dist[u] and nd <= limit:
                dist[u] = nd
                label[u] = lab
                pred[u] = v
                size = _push(hk, hv, hl, size, nd, u, lab)
    return dist, label, pred


@njit(cache=True)
def k_nearest(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray,
              src_node: np.ndarray, src_init: np.ndarray, k: int, limit: float,
              hk: np.ndarray, hv: np.ndarray, hl: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest distinct sources of every node, nearest first: ``(dist, label)``.

    Each node is settled at most ``k`` times, once per source; a label entry is -1 (and
    its distance infinite) where fewer than ``k`` sources are within ``limit``.
    """
    n = indptr.shape[0] - 1
    kd = np.full((n, k), INF)
    kl = np.full((n, k), -1, np.int32)
    count = np.zeros(n, np.int32)
    size = 0
    cap = hk.shape[0]
    for s in range(src_node.shape[0]):
        size = _push(hk, hv, hl, size, src_init[s], src_node[s], s)
    while size > 0:
        d = hk[0]
        v = hv[0]
        s = hl[0]
        size = _pop(hk, hv, hl, size)
        c = count[v]
        if c >= k:
            continue
        seen = False
        for j in range(c):
            if kl[v, j] == s:
                seen = True
                break
        if seen:
            continue
        kd[v, c] = d
        kl[v, c] = s
        count[v] = c + 1
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if count[u] < k and nd <= limit:
                if size >= cap:
                    return kd, kl  # heap full: caller gave too small a heap
                size = _push(hk, hv, hl, size, nd, u, s)
    return kd, kl


@njit(cache=True)
def improve_from(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray,
                 start: int, start_dist: float, bound: np.ndarray, cap: float,
                 scratch: np.ndarray, hk: np.ndarray, hv: np.ndarray, hl: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes a new source at ``start`` brings strictly closer than ``bound`` (and ``<= cap``).

    Returns ``(nodes, new_dist)``. The search never enters a node it does not improve:
    if it improves a node, it improves every node on the way there, so this is exact.
    ``scratch`` is an all-infinity work array of the graph's size, left all-infinity.
    """
    out_n = np.empty(1024, np.int32)
    count = 0
    size = 0
    if start_dist < bound[start] and start_dist <= cap:
        scratch[start] = start_dist
        size = _push(hk, hv, hl, size, start_dist, start, 0)
    while size > 0:
        d = hk[0]
        v = hv[0]
        size = _pop(hk, hv, hl, size)
        if d > scratch[v]:
            continue
        if count == out_n.shape[0]:
            grown = np.empty(count * 2, np.int32)
            grown[:count] = out_n
            out_n = grown
        out_n[count] = v
        count += 1
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if nd < scratch[u] and nd < bound[u] and nd <= cap:
                scratch[u] = nd
                size = _push(hk, hv, hl, size, nd, u, 0)
    nodes = out_n[:count].copy()
    new = np.empty(count, np.float64)
    for i in range(count):
        new[i] = scratch[nodes[i]]
        scratch[nodes[i]] = INF
    return nodes, new


@njit(cache=True)
def repair_region(rev_indptr: np.ndarray, rev_indices: np.ndarray, rev_weights: np.ndarray,
                  indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray,
                  region: np.ndarray, dist: np.ndarray, label: np.ndarray,
                  extra_node: np.ndarray, extra_init: np.ndarray, extra_label: np.ndarray,
                  local: np.ndarray, hk: np.ndarray, hv: np.ndarray, hl: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """New ``(dist, label)`` for ``region``: the nodes whose nearest source was removed.

    The search runs forward (``indptr``…) from the sources, as :func:`multi_source` does;
    ``rev_*`` (edges into each node) seeds every region node from its neighbours outside the
    region, whose distances do not change. ``extra_*`` are remaining sources placed inside
    the region. ``local`` is an all -1 int32 work array of the graph's size, left all -1.
    """
    r = region.shape[0]
    new_d = np.full(r, INF)
    new_l = np.full(r, -1, np.int32)
    settled = np.zeros(r, np.bool_)
    for i in range(r):
        local[region[i]] = i
    size = 0
    for i in range(r):
        v = region[i]
        for e in range(rev_indptr[v], rev_indptr[v + 1]):
            u = rev_indices[e]
            if local[u] < 0:
                nd = dist[u] + rev_weights[e]
                if nd < new_d[i]:
                    new_d[i] = nd
                    new_l[i] = label[u]
        if new_d[i] < INF:
            size = _push(hk, hv, hl, size, new_d[i], i, 0)
    for s in range(extra_node.shape[0]):
        i = local[extra_node[s]]
        if i >= 0 and extra_init[s] < new_d[i]:
            new_d[i] = extra_init[s]
            new_l[i] = extra_label[s]
            size = _push(hk, hv, hl, size, extra_init[s], i, 0)
    while size > 0:
        d = hk[0]
        i = hv[0]
        size = _pop(hk, hv, hl, size)
        if settled[i] or d > new_d[i]:
            continue
        settled[i] = True
        v = region[i]
        lab = new_l[i]
        for e in range(indptr[v], indptr[v + 1]):
            j = local[indices[e]]
            if j >= 0:
                nd = d + weights[e]
                if nd < new_d[j]:
                    new_d[j] = nd
                    new_l[j] = lab
                    size = _push(hk, hv, hl, size, nd, j, 0)
    for i in range(r):
        local[region[i]] = -1
    return new_d, new_l


@njit(cache=True)
def effect_sums(nodes: np.ndarray, new_dist: np.ndarray, order: np.ndarray,
                starts: np.ndarray, offset: np.ndarray, point_dist: np.ndarray,
                w: np.ndarray, lw: np.ndarray, limit: float) -> np.ndarray:
    """What moving ``nodes`` to ``new_dist`` does to the population points snapped to them,
    without an array per call: ``[people closer, out of low access (all, low income), into
    low access (all, low income), weight of those who moved, their weighted change (m)]``.
    ``w``/``lw`` are 0 outside the network's coverage, so those points count for nothing."""
    out = np.zeros(7)
    for i in range(nodes.shape[0]):
        v = nodes[i]
        nd = new_dist[i]
        for j in range(starts[v], starts[v + 1]):
            p = order[j]
            wp = w[p]
            if wp == 0.0 and lw[p] == 0.0:
                continue
            before = point_dist[p]
            after = offset[p] + nd
            if after < before:
                out[0] += wp
            if before > limit and after <= limit:
                out[1] += wp
                out[2] += lw[p]
            elif before <= limit and after > limit:
                out[3] += wp
                out[4] += lw[p]
            if after != before:
                out[5] += wp
                if np.isfinite(after) and np.isfinite(before):
                    out[6] += (after - before) * wp
    return out


def new_heap(n_edges: int, n_sources: int, *, k: int = 1) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """Heap arrays big enough for any search above (every relaxation may push once)."""
    return _heap(k * n_edges + n_sources + 16)
