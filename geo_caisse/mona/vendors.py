"""Where the Mona is spent, under the minimum-group rule.

The totals over sets of points of sale (each point of sale, each market, the areas of the
"where spent" map, the centre and producers' parts) and which may be shown, a point of sale's
Mona by month, the payers of each point of sale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import mapping

from geo_caisse.core.crs import WGS84, lonlat_to_metric, reproject
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.privacy import AdaptiveGrid
from geo_caisse.mona._figures import PRODUCER_KINDS, figure

if TYPE_CHECKING:
    from geo_caisse.mona.flows import MonaFlows


class VendorFlows:
    """Where the Mona is spent, under the minimum-group rule."""

    def __init__(self, flows: MonaFlows) -> None:
        self.flows = flows
        self._side_cache: dict[str, dict[str, Any]] = {}
        self._sets_cache: dict[tuple[int, int], NDArray[np.int64]] = {}

    def side(self, year: str) -> dict[str, Any]:
        """Every vendor-side total of ``year`` and whether it may be shown.

        Published vendor-side figures are totals over sets of points of sale: each point
        of sale, each market, each area of the "where spent" map, the centre / elsewhere
        and producers / shops parts, and the whole. The areas are built inside each of the
        four classes (centre or not × producer or not), so the parts are sums of areas.
        A total is shown with ≥ k payers; then, until nothing changes, when a shown set
        contains another shown set and the payers of the difference are 1 to k-1, the
        smaller set is hidden; and inside each shown set, the payers of the points of sale
        whose own totals are hidden must be 0 or ≥ k (else the next smallest is hidden).
        """
        cached = self._side_cache.get(year)
        if cached is not None:
            return cached
        lo, hi, _ = self.flows.year_range(year)
        _, _, vendor_month, _, member_vendor, _, _ = self.flows.aggregate(lo, hi)
        d = self.flows.data
        k = self.flows.min_members
        pres = member_vendor.astype(bool)
        vx, vy = lonlat_to_metric(d.vendor_lon, d.vendor_lat,
                                  metric_crs=self.flows.territory.metric_crs)
        producer = np.array([kind in PRODUCER_KINDS for kind in d.vendor_kinds])
        klass = 2 * d.vendor_in_centre.astype(int) + producer.astype(int)
        paid = pres.any(axis=0)

        def payers(vendors: NDArray[np.intp]) -> int:
            return int(pres[:, vendors].any(axis=1).sum())

        areas: list[tuple[Any, NDArray[np.intp], int, str]] = []
        for c in range(4):
            mask = paid & (klass == c)
            grid = AdaptiveGrid.build(np.where(mask, vx, np.nan), vy,
                                      crs=self.flows.territory.metric_crs, min_members=k,
                                      weight=payers)
            for leaf, code in enumerate(grid.leaf_codes()):
                areas.append((grid.leaf_geometry(leaf), np.flatnonzero(grid.member_leaf == leaf),
                              grid.leaf_size_m(leaf), code))
        groups: list[tuple[str, NDArray[np.intp]]] = []
        groups += [(f"pos:{v}", np.array([v])) for v in range(d.n_vendors)]
        groups += [(f"market:{m}", np.flatnonzero(d.vendor_market == m)) for m in d.markets]
        groups += [(f"area:{i}", a[1]) for i, a in enumerate(areas)]
        groups += [("part:centre", np.flatnonzero(d.vendor_in_centre)),
                   ("part:elsewhere", np.flatnonzero(~d.vendor_in_centre)),
                   ("part:producers", np.flatnonzero(producer)),
                   ("part:shops", np.flatnonzero(~producer)),
                   ("all", np.arange(d.n_vendors))]
        sets = [frozenset(int(v) for v in g[1] if paid[v]) for g in groups]
        count = np.array([payers(np.array(sorted(st), dtype=np.intp)) if st else 0
                          for st in sets])
        shown = count >= k
        changed = True
        while changed:
            changed = False
            for i in np.flatnonzero(shown):
                for j in np.flatnonzero(shown):
                    if i == j or not shown[i] or not shown[j]:
                        continue
                    if sets[j] < sets[i]:
                        rest = np.array(sorted(sets[i] - sets[j]), dtype=np.intp)
                        if 0 < payers(rest) < k:
                            shown[j] = False
                            changed = True
                if not shown[i] or len(sets[i]) < 2:
                    continue
                members = sorted(sets[i])
                hidden = np.array([v for v in members if not shown[v]], dtype=np.intp)
                if hidden.size and 0 < payers(hidden) < k:
                    visible = [v for v in members if shown[v]]
                    if visible:
                        shown[min(visible, key=lambda v: count[v])] = False
                        changed = True
        out = {"areas": areas, "groups": {name: (bool(shown[i] or count[i] == 0),
                                                 int(count[i]))
                                          for i, (name, _) in enumerate(groups)},
               "received": vendor_month[:, lo:hi].sum(axis=1)}
        self._side_cache[year] = out
        return out

    def months(self, point_of_sale_id: int, year: str) -> dict[str, Any]:
        """The MonA a point of sale received each month of ``year`` from members.

        A month is shown with at least k distinct payers; the months hidden must together
        have 0 or at least k distinct payers (else the smallest shown month is hidden too),
        so the year's total minus the shown months never gives a smaller group's spending.
        """
        d = self.flows.data
        hits = np.flatnonzero(d.vendor_pos_ids == point_of_sale_id)
        if not hits.size:
            raise ValidationError(f"point of sale {point_of_sale_id} has no Mona account")
        c = int(hits[0])
        lo, hi, months = self.flows.year_range(year)
        k = self.flows.min_members
        sets = self._month_sets(lo, hi)[c]
        bits = np.flatnonzero(sets)            # the sets of months some members paid in
        members = sets[bits]                   # how many members paid in exactly that set
        total = self.flows.aggregate(lo, hi)[2][c, lo:hi].astype(np.int64)
        count = np.array([int(members[(bits >> i) & 1 == 1].sum())
                          for i in range(len(months))], dtype=np.int64)
        shown = count >= k

        def hidden_union() -> int:
            hidden = sum(1 << int(i) for i in np.flatnonzero(~shown & (count > 0)))
            return int(members[(bits & hidden) != 0].sum())

        while 0 < hidden_union() < k and shown.any():
            shown[np.flatnonzero(shown)[np.argmin(count[shown])]] = False
        return {"point_of_sale_id": point_of_sale_id, "year": year, "min_members": k,
                "months": [{"month": m, **figure(total[i], count[i], bool(shown[i]))}
                           for i, m in enumerate(months)],
                "synthetic": d.synthetic}

    def _month_sets(self, lo: int, hi: int) -> NDArray[np.int64]:
        """Members by vendor and exact set of months paid in, once per year."""
        cached = self._sets_cache.get((lo, hi))
        if cached is None:
            d = self.flows.data
            from geo_caisse.mona._pass import vendor_month_sets  # numba: at the first pass

            cached = vendor_month_sets(d.payer, d.payee, d.month, d.n_members,
                                       d.n_vendors, lo, hi)
            self._sets_cache[(lo, hi)] = cached
        return cached

    def payers_by_point_of_sale(self, year: str) -> dict[int, int | None]:
        """Distinct payers of each point of sale in ``year`` (None where hidden: < k or
        recoverable as a difference of published sets)."""
        side = self.side(year)
        out: dict[int, int | None] = {}
        for v, pos_id in enumerate(self.flows.data.vendor_pos_ids):
            ok, n = side["groups"][f"pos:{v}"]
            out[int(pos_id)] = n if ok and n >= self.flows.min_members else (0 if n == 0 else None)
        return out

    def spend_heatmap(self, year: str) -> dict[str, Any]:
        """Mona received by points of sale, in areas paid by ≥ 11 distinct members."""
        side = self.side(year)
        features = []
        for i, (geom, vs, size, code) in enumerate(side["areas"]):
            ok, members = side["groups"][f"area:{i}"]
            wgs = reproject(geom, self.flows.territory.metric_crs, WGS84)
            features.append({"type": "Feature", "id": code, "geometry": mapping(wgs),
                             "properties": {"cell": code, "size_m": size,
                                            "points_of_sale": int(vs.size),
                                            **figure(side["received"][vs].sum(), members,
                                                     ok)}})
        return {"type": "FeatureCollection", "features": features, "year": year,
                "min_members": self.flows.min_members, "synthetic": self.flows.data.synthetic}


__all__ = ["VendorFlows"]
