"""What if the committee conventions one more point of sale, or ends one convention?

Both answers are exact and incremental (:mod:`geo_caisse.walk._kernels`):

- adding a point searches from it and enters only the nodes it brings strictly closer;
- removing one recomputes only the nodes that had it as nearest, seeded from their
  neighbours, whose distances do not change.

Neither changes the base state: each call returns who would leave or enter low access and
the food desert. :meth:`WhatIf.rank` scores many candidates (e.g. every OSM food shop not
yet conventionné) by the people each would bring within the threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo_caisse.core.errors import ValidationError
from geo_caisse.walk.accessibility import Accessibility, Destinations, _points_at


@dataclass(frozen=True)
class Change:
    """The effect of one addition or removal.

    ``people_*`` count everyone; ``low_income_*`` the low-income among them; *into* and
    *out of* refer to low access (walk over the threshold); ``desert`` = low access and
    low income, so ``low_income_out_of_low_access`` is the population leaving the desert.
    """

    nodes_changed: int
    people_closer: float
    people_out_of_low_access: float
    low_income_out_of_low_access: float
    people_into_low_access: float
    low_income_into_low_access: float
    #: population-weighted mean change of walking time for the people concerned, minutes
    mean_change_min: float


@dataclass(frozen=True)
class Ranked:
    """One candidate's score."""

    index: int
    people_within_reach: float
    low_income_within_reach: float
    people_closer: float


class WhatIf:
    """Incremental what-if on top of one :class:`Accessibility` (for one weekday filter)."""

    def __init__(self, access: Accessibility, *, threshold_min: float) -> None:
        if not 0 < threshold_min <= 240:
            raise ValidationError(f"threshold_min must be in (0, 240], got {threshold_min}")
        self.access = access
        self.threshold_min = threshold_min
        self.threshold_m = threshold_min * access.m_per_min
        pop = access.population
        self._w = np.where(pop.covered, pop.population, 0.0)
        self._lw = np.where(pop.covered, pop.low_income, 0.0)
        self._order, self._starts = access._points_by_node
        # the nodes nearest to each destination, grouped once: a removal reads its region
        # as a slice instead of scanning every node's label
        label = access.label
        reached = label >= 0
        by_label = np.flatnonzero(reached)[np.argsort(label[reached], kind="stable")]
        self._region_nodes = by_label.astype(np.int32)
        self._region_starts = np.r_[0, np.cumsum(np.bincount(
            label[reached], minlength=len(access.destinations)))].astype(np.int64)

    def _effect(self, nodes: NDArray[np.int32], new_dist: NDArray[np.float64]) -> Change:
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        pop = self.access.population
        s = kernels.effect_sums(nodes, new_dist, self._order, self._starts, pop.offset_m,
                                self.access.point_dist_m, self._w, self._lw,
                                self.threshold_m)
        mean = float(s[6] / s[5] / self.access.m_per_min) if s[5] > 0 else 0.0
        return Change(nodes_changed=int(nodes.size), people_closer=float(s[0]),
                      people_out_of_low_access=float(s[1]),
                      low_income_out_of_low_access=float(s[2]),
                      people_into_low_access=float(s[3]),
                      low_income_into_low_access=float(s[4]), mean_change_min=mean)

    def add(self, x_m: float, y_m: float) -> Change:
        """Add a point of sale at metric ``x_m``/``y_m``."""
        node, offset = self.access.network.snap([x_m], [y_m])
        return self.add_at_node(int(node[0]), float(offset[0]))

    def add_at_node(self, node: int, offset_m: float, *, cap_m: float = np.inf) -> Change:
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        acc = self.access
        indptr, indices, weights = acc.search
        hk, hv, hl = acc.work.heap
        nodes, new = kernels.improve_from(indptr, indices, weights, node, offset_m, acc.dist_m,
                                    cap_m, acc.work.scratch, hk, hv, hl)
        return self._effect(nodes, new)

    def remove(self, index: int) -> Change:
        """End the convention of destination ``index`` (its position in the destinations)."""
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        acc = self.access
        n = len(acc.destinations)
        if not 0 <= index < n:
            raise ValidationError(f"destination index must be in [0, {n}), got {index}")
        region = self._region_nodes[self._region_starts[index]:self._region_starts[index + 1]]
        keep = np.flatnonzero(np.arange(n) != index)
        dest = acc.destinations
        r_indptr, r_indices, r_weights = acc.search_reversed
        indptr, indices, weights = acc.search
        hk, hv, hl = acc.work.heap
        new, _labels = kernels.repair_region(
            r_indptr, r_indices, r_weights, indptr, indices, weights, region, acc.dist_m,
            acc.label, dest.node[keep], dest.offset_m[keep], keep.astype(np.int32),
            acc.work.local, hk, hv, hl)
        return self._effect(region, new)

    def rank(self, candidates: Destinations, *, top: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[Ranked]:
        """Score every candidate by the people it would bring within the threshold.

        Each candidate is searched alone against the current state, bounded by the
        threshold: a candidate's score does not include the others'. Sorted best first.
        """
        from geo_caisse.walk import _kernels as kernels  # numba: at the first search
        acc = self.access
        indptr, indices, weights = acc.search
        hk, hv, hl = acc.work.heap
        pop = acc.population
        limit = self.threshold_m
        out: list[Ranked] = []
        for j in range(len(candidates)):
            nodes, new = kernels.improve_from(indptr, indices, weights, int(candidates.node[j]),
                                        float(candidates.offset_m[j]), acc.dist_m, limit,
                                        acc.work.scratch, hk, hv, hl)
            idx, per_node = _points_at(nodes, self._order, self._starts)
            after = pop.offset_m[idx] + np.repeat(new, per_node)
            before = acc.point_dist_m[idx]
            gain = (before > limit) & (after <= limit)
            out.append(Ranked(index=j, people_within_reach=float(self._w[idx][gain].sum()),
                              low_income_within_reach=float(self._lw[idx][gain].sum()),
                              people_closer=float(self._w[idx][after < before].sum())))
            if progress is not None and (j + 1) % 50 == 0:
                progress(j + 1, len(candidates))
        out.sort(key=lambda r: (-r.low_income_within_reach, -r.people_within_reach, r.index))
        return out if top is None else out[:top]


__all__ = ["Change", "Ranked", "WhatIf"]
