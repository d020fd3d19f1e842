"""Where the members who spend live, under the minimum-group rule.

The home heatmap (a year or a month), the flow lines from home areas to markets or points
of sale, and a point of sale's payment basin: every figure a union of areas of the home grid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import LineString, mapping

from geo_caisse.core.crs import WGS84, reproject, transformer
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.privacy import suppress_table
from geo_caisse.mona._figures import figure

if TYPE_CHECKING:
    from geo_caisse.mona.flows import MonaFlows


class HomeFlows:
    """Where the members who spend live, under the minimum-group rule."""

    def __init__(self, flows: MonaFlows) -> None:
        self.flows = flows
        self._year_cache: dict[str, tuple[Any, ...]] = {}

    def year_table(self, year: str) -> tuple[Any, ...]:
        """The home cells × months table of ``year`` and which of its figures may be shown."""
        cached = self._year_cache.get(year)
        if cached is not None:
            return cached
        lo, hi, _ = self.flows.year_range(year)
        row_month, _, _, member_month, _, members_rm, _ = self.flows.aggregate(lo, hi)
        members_by_row = self.flows.members_by_row
        n_rows = self.flows.grid.n_leaves + 1
        k = self.flows.min_members
        span = slice(lo, hi)
        spenders_rm = (members_rm[:, span] if hi > lo
                       else np.zeros((n_rows, 1), dtype=np.int64))
        year_spenders = np.zeros(n_rows, dtype=np.int64)
        for r, mem in enumerate(members_by_row):
            if hi > lo:
                year_spenders[r] = int(member_month[mem][:, span].any(axis=1).sum())
        year_shown = suppress_table(year_spenders[:, None], min_members=k)[:, 0]

        def row_union(r: int, cols: NDArray[np.intp]) -> int:
            mem = members_by_row[r]
            return int(member_month[mem][:, lo + cols].any(axis=1).sum())

        month_shown = suppress_table(spenders_rm, min_members=k, row_union=row_union,
                                     row_published=year_shown)
        cached = (row_month, spenders_rm, year_spenders, year_shown, month_shown)
        self._year_cache[year] = cached
        return cached

    def heatmap(self, period: str) -> dict[str, Any]:
        """Mona spent by members, by their home cell, for a year or a month."""
        year, lo, hi, months = self.flows.period(period)
        row_month, spenders_rm, year_spenders, year_shown, month_shown = self.year_table(year)
        n_rows = self.flows.grid.n_leaves + 1
        k = self.flows.min_members
        if len(period) == 4:
            values, counts = row_month[:, lo:hi].sum(axis=1), year_spenders
            shown = year_shown
        else:
            if period not in months:
                values = np.zeros(n_rows, np.int64)
                counts, shown = values, np.zeros(n_rows, bool)
            else:
                j = months.index(period)
                values, counts = row_month[:, lo + j], spenders_rm[:, j]
                shown = month_shown[:, j]
        grid = self.flows.grid
        features = []
        for leaf, code in enumerate(grid.leaf_codes()):
            geom = reproject(grid.leaf_geometry(leaf), self.flows.territory.metric_crs, WGS84)
            features.append({"type": "Feature", "id": code, "geometry": mapping(geom),
                             "properties": {"cell": code,
                                            "size_m": grid.leaf_size_m(leaf),
                                            "residents": int(grid.leaf_members[leaf]),
                                            **figure(values[leaf], counts[leaf],
                                                     bool(shown[leaf]))}})
        unknown = n_rows - 1
        return {"type": "FeatureCollection", "features": features,
                "period": period, "min_members": k, "synthetic": self.flows.data.synthetic,
                "outside_grid": figure(values[unknown], counts[unknown],
                                       bool(shown[unknown])),
                "total": figure(values.sum(), counts.sum(), counts.sum() >= k)}

    # flows toward points of sale and markets ------------------------------------------------
    def _destinations(self, by: str) -> tuple[NDArray[np.int64], list[dict[str, Any]]]:
        """Vendor → destination column, and each destination's description."""
        d = self.flows.data
        if by == "point_of_sale":
            cols = np.arange(d.n_vendors, dtype=np.int64)
            info = [{"id": int(d.vendor_pos_ids[v]), "ref": d.vendor_refs[v],
                     "name": d.vendor_names[v], "kind": d.vendor_kinds[v],
                     "lon": float(d.vendor_lon[v]), "lat": float(d.vendor_lat[v])}
                    for v in range(d.n_vendors)]
            return cols, info
        if by != "market":
            raise ValidationError(f"by must be 'point_of_sale' or 'market', got {by!r}")
        ids = sorted(d.markets)
        where = {m: i for i, m in enumerate(ids)}
        cols = np.array([where.get(int(m), -1) for m in d.vendor_market], dtype=np.int64)
        info = [{"id": m, "name": d.markets[m][0], "lon": d.markets[m][1],
                 "lat": d.markets[m][2]} for m in ids]
        return cols, info

    def od_table(self, year: str, *, by: str = "market") -> dict[str, Any]:
        """Mona from each home cell to each destination in ``year``, suppressed."""
        lo, hi, _ = self.flows.year_range(year)
        _, row_vendor, _, _, member_vendor, _, _ = self.flows.aggregate(lo, hi)
        cols, info = self._destinations(by)
        n_cols = len(info)
        valid = cols >= 0
        # member × destination presence, and cents by (row, destination)
        presence = np.zeros((self.flows.data.n_members, n_cols), dtype=np.uint8)
        cents = np.zeros((self.flows.grid.n_leaves + 1, n_cols), dtype=np.int64)
        for c in range(n_cols):
            vs = np.flatnonzero(valid & (cols == c))
            if vs.size:
                presence[:, c] = member_vendor[:, vs].any(axis=1)
                cents[:, c] = row_vendor[:, vs].sum(axis=1)
        members_by_row = self.flows.members_by_row
        counts = np.stack([presence[m].sum(axis=0) for m in members_by_row])
        k = self.flows.min_members
        _, _, year_spenders, year_shown, _ = self.year_table(year)
        row_pub = year_shown | (year_spenders == 0)  # as the home heatmap publishes them
        col_total = presence.sum(axis=0)
        side = self.flows.vendors.side(year)
        if by == "point_of_sale":
            col_pub = np.array([side["groups"][f"pos:{c}"][0] for c in range(n_cols)])
        else:
            col_pub = np.array([side["groups"][f"market:{m['id']}"][0] for m in info])
        col_pub &= col_total >= k

        def row_union(r: int, cs: NDArray[np.intp]) -> int:
            return int(presence[members_by_row[r]][:, cs].any(axis=1).sum())

        shown = suppress_table(counts, min_members=k, row_union=row_union,
                               row_published=row_pub, col_published=col_pub)
        return {"cents": cents, "counts": counts, "shown": shown, "col_total": col_total,
                "col_pub": col_pub, "info": info, "presence": presence,
                "members_by_row": members_by_row}

    def lines(self, year: str, *, by: str = "market") -> dict[str, Any]:
        """Flow lines from home cells to markets (or points of sale) as GeoJSON."""
        t = self.od_table(year, by=by)
        to_wgs = transformer(self.flows.territory.metric_crs, WGS84).transform
        codes = self.flows.grid.leaf_codes()
        features = []
        for r in range(self.flows.grid.n_leaves):
            centre = self.flows.grid.leaf_geometry(r).representative_point()
            lon, lat = to_wgs(centre.x, centre.y)
            for j in np.flatnonzero(t["shown"][r]):
                dest = t["info"][j]
                features.append({"type": "Feature", "geometry": mapping(LineString(
                    [(lon, lat), (dest["lon"], dest["lat"])])), "properties": {
                        "from_cell": codes[r], "to": dest["name"], "to_id": dest["id"],
                        **figure(t["cents"][r, j], t["counts"][r, j], True)}})
        destinations = []
        for c, dest in enumerate(t["info"]):
            hidden = ~t["shown"][:, c] & (t["counts"][:, c] > 0)
            hidden_members = int(t["counts"][hidden, c].sum())
            destinations.append({**dest, "total": figure(
                t["cents"][:, c].sum(), t["col_total"][c], bool(t["col_pub"][c])),
                "other_origins": figure(t["cents"][hidden, c].sum(), hidden_members,
                                        hidden_members >= self.flows.min_members
                                        and bool(t["col_pub"][c]))})
        return {"type": "FeatureCollection", "features": features, "year": year, "by": by,
                "min_members": self.flows.min_members, "synthetic": self.flows.data.synthetic,
                "destinations": destinations}

    def basin(self, point_of_sale_id: int, year: str) -> dict[str, Any]:
        """Where a point of sale's payers live (its payment basin), suppressed."""
        d = self.flows.data
        hits = np.flatnonzero(d.vendor_pos_ids == point_of_sale_id)
        if not hits.size:
            raise ValidationError(f"point of sale {point_of_sale_id} has no Mona account")
        c = int(hits[0])
        t = self.od_table(year, by="point_of_sale")
        codes = self.flows.grid.leaf_codes()
        cells = [{"cell": codes[r], **figure(t["cents"][r, c], t["counts"][r, c], True)}
                 for r in np.flatnonzero(t["shown"][: self.flows.grid.n_leaves, c])]
        hidden = ~t["shown"][:, c] & (t["counts"][:, c] > 0)
        hidden_members = int(t["counts"][hidden, c].sum())
        k = self.flows.min_members
        return {"point_of_sale": t["info"][c], "year": year, "min_members": k,
                "total": figure(t["cents"][:, c].sum(), t["col_total"][c],
                                bool(t["col_pub"][c])),
                "cells": cells,
                "other_origins": figure(t["cents"][hidden, c].sum(), hidden_members,
                                        hidden_members >= self.flows.min_members
                                        and bool(t["col_pub"][c]))}


__all__ = ["HomeFlows"]
