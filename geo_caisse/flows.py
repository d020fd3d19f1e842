"""Mona flows: where members who spend live, where the Mona goes, and what the caisse may show.

Everything published goes through :mod:`geo_caisse.privacy`: homes are grouped in an
adaptive grid whose cells hold at least 11 members (computed once per member home,
never per transaction), and every table (home cell × month, home cell × point of sale
or market, centre/outside × month, kind × month) is suppressed so that no figure, and
no published total minus the shown figures, stands for 1 to 10 members.

Periods are a calendar year (``"2025"``) or month (``"2025-03"``); flows toward points
of sale and markets, and the heatmap of where Mona is spent, are published per year.

The heavy part is one compiled pass over the payments (:func:`aggregate_payments`),
which the benchmark compares with pandas and DuckDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray
from shapely.geometry import LineString, mapping
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from geo_caisse._errors import ValidationError
from geo_caisse.crs import WGS84, lonlat_to_metric, reproject, transformer
from geo_caisse.privacy import AdaptiveGrid, check_min_members, suppress_table
from geo_caisse.storage.models import (
    AccountRow,
    MarketRow,
    MemberRow,
    NeighbourhoodRow,
    PointOfSaleRow,
    TransferRow,
)
from geo_caisse.territory import Territory

#: kinds of point of sale counted as producers (market stalls are mostly producers)
PRODUCER_KINDS = ("producer", "amap", "market_stall")
MEMBER_KINDS = ("allocation", "payment", "contribution")


@njit(cache=True, parallel=True)
def _aggregate_chunks(payer: Any, payee: Any, cents: Any, month: Any, member_row: Any,
                      n_rows: int, n_vendors: int, n_months: int, month_lo: int,
                      month_hi: int, n_chunks: int) -> tuple[Any, ...]:
    n_members = member_row.size
    n_bytes = (n_vendors + 7) // 8
    rm = np.zeros((n_chunks, n_rows, n_months), dtype=np.int64)
    rv = np.zeros((n_chunks, n_rows, n_vendors), dtype=np.int64)
    vm = np.zeros((n_chunks, n_vendors, n_months), dtype=np.int64)
    mm = np.zeros((n_chunks, n_members, n_months), dtype=np.uint8)
    mv = np.zeros((n_chunks, n_members, n_bytes), dtype=np.uint8)  # bits: one per vendor
    size = payer.size
    for c in prange(n_chunks):
        for i in range(c * size // n_chunks, (c + 1) * size // n_chunks):
            t = month[i]
            if t < month_lo or t >= month_hi:
                continue
            m = payer[i]
            v = payee[i]
            r = member_row[m]
            rm[c, r, t] += cents[i]
            rv[c, r, v] += cents[i]
            vm[c, v, t] += cents[i]
            mm[c, m, t] = 1
            mv[c, m, v >> 3] |= np.uint8(1 << (v & 7))
    return rm, rv, vm, mm, mv


@njit(cache=True)
def _merge(rm: Any, rv: Any, vm: Any, mm: Any, mv: Any, member_row: Any,
           n_vendors: int) -> tuple[Any, ...]:
    n_chunks, n_members, n_months = mm.shape
    n_rows = rm.shape[1]
    row_month = rm.sum(axis=0)
    row_vendor = rv.sum(axis=0)
    vendor_month = vm.sum(axis=0)
    member_month = np.zeros((n_members, n_months), dtype=np.uint8)
    member_vendor = np.zeros((n_members, n_vendors), dtype=np.uint8)
    members_row_month = np.zeros((n_rows, n_months), dtype=np.int64)
    members_row_vendor = np.zeros((n_rows, n_vendors), dtype=np.int64)
    for m in range(n_members):
        r = member_row[m]
        for t in range(n_months):
            for c in range(n_chunks):
                if mm[c, m, t]:
                    member_month[m, t] = 1
                    members_row_month[r, t] += 1
                    break
        for v in range(n_vendors):
            for c in range(n_chunks):
                if mv[c, m, v >> 3] & (1 << (v & 7)):
                    member_vendor[m, v] = 1
                    members_row_vendor[r, v] += 1
                    break
    return (row_month, row_vendor, vendor_month, member_month, member_vendor,
            members_row_month, members_row_vendor)


def aggregate_payments(payer: NDArray[np.int32], payee: NDArray[np.int32],
                       cents: NDArray[np.integer], month: NDArray[np.int16],
                       member_row: NDArray[np.int32], n_rows: int, n_vendors: int,
                       n_months: int, month_lo: int, month_hi: int) -> tuple[Any, ...]:
    """One compiled pass over member→vendor payments of months ``[month_lo, month_hi)``.

    ``member_row[m]`` is member ``m``'s home row (its grid cell; the last row holds
    members without a cell). Returns cents by (row, month), by (row, vendor), by
    (vendor, month); who paid when and where (member × month and member × vendor
    presence, uint8); and the distinct members by (row, month) and by (row, vendor).
    The payments are split in one chunk per thread, each with its own sums and presence
    bits, merged afterwards (a cost per member, not per payment).
    """
    import numba

    chunks = max(1, min(numba.get_num_threads(), payer.size // 1_000_000 or 1))
    parts = _aggregate_chunks(payer, payee, cents, month, member_row, n_rows, n_vendors,
                              n_months, month_lo, month_hi, chunks)
    return _merge(*parts, member_row, n_vendors)  # type: ignore[call-arg]


@dataclass
class FlowData:
    """The ledger's movements as arrays (in-process, never published as such)."""

    months: list[str]
    member_ids: NDArray[np.int64]
    member_x_m: NDArray[np.float64]    # home cell centres, NaN when unknown
    member_y_m: NDArray[np.float64]
    vendor_pos_ids: NDArray[np.int64]
    vendor_refs: list[str]
    vendor_names: list[str]
    vendor_kinds: list[str]
    vendor_market: NDArray[np.int64]   # market id, -1 when not a stall
    vendor_lon: NDArray[np.float64]
    vendor_lat: NDArray[np.float64]
    vendor_in_centre: NDArray[np.bool_]
    payer: NDArray[np.int32]
    payee: NDArray[np.int32]
    cents: NDArray[np.int64]
    month: NDArray[np.int16]
    # other movements: (kind, member index or -1, month, cents)
    other_kind: list[str] = field(default_factory=list)
    other_member: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    other_month: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16))
    other_cents: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    # vendor → vendor
    v2v_from: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    v2v_to: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    v2v_cents: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    v2v_month: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16))
    markets: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    synthetic: bool = False

    @property
    def n_members(self) -> int:
        return int(self.member_ids.size)

    @property
    def n_vendors(self) -> int:
        return int(self.vendor_pos_ids.size)


def _centre_polygon(session: Session, codes: Sequence[str]) -> Any:
    from geoalchemy2.shape import to_shape
    from shapely import union_all

    rows = session.scalars(select(NeighbourhoodRow.geom).where(
        NeighbourhoodRow.code.in_(list(codes)))).all()
    return union_all([to_shape(g) for g in rows]) if rows else None


def load_flow_data(sessions: sessionmaker[Session], territory: Territory) -> FlowData:
    """Read the members' home cells, the points of sale and every transfer into arrays."""
    from geoalchemy2.shape import to_shape
    from shapely import contains_xy

    payer_acc, payee_acc = aliased(AccountRow), aliased(AccountRow)
    with sessions() as session:
        members = session.execute(select(MemberRow.id, MemberRow.home_cell_x_m,
                                         MemberRow.home_cell_y_m, MemberRow.synthetic)
                                  .order_by(MemberRow.id)).all()
        pos = session.execute(select(PointOfSaleRow).order_by(PointOfSaleRow.id)).scalars().all()
        markets: dict[int, tuple[str, float, float]] = {}
        for m in session.scalars(select(MarketRow)):
            mx_, my_ = to_shape(m.geom).coords[0]
            markets[m.id] = (m.name, float(mx_), float(my_))
        centre = _centre_polygon(session, territory.caisse.centre)
        rows = session.execute(
            select(TransferRow.kind, TransferRow.occurred_at, TransferRow.amount_cents,
                   payer_acc.member_id, payee_acc.member_id, payer_acc.point_of_sale_id,
                   payee_acc.point_of_sale_id, TransferRow.member_id)
            .join(payer_acc, payer_acc.id == TransferRow.debit_account_id)
            .join(payee_acc, payee_acc.id == TransferRow.credit_account_id)
            .order_by(TransferRow.id)).all()
    member_index = {int(m[0]): i for i, m in enumerate(members)}
    half = 100.0
    mx = np.array([np.nan if m[1] is None else m[1] + half for m in members], dtype=float)
    my = np.array([np.nan if m[2] is None else m[2] + half for m in members], dtype=float)
    coords = [to_shape(p.geom).coords[0] for p in pos]
    lon = np.array([c[0] for c in coords], dtype=np.float64)
    lat = np.array([c[1] for c in coords], dtype=np.float64)
    in_centre = (contains_xy(centre, lon, lat) if centre is not None
                 else np.zeros(lon.size, dtype=bool))
    vendor_index = {p.id: i for i, p in enumerate(pos)}
    def month_of(moment: datetime) -> str:
        return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m")

    months = sorted({month_of(r[1]) for r in rows})
    month_index = {m: i for i, m in enumerate(months)}
    payer, payee, cents, month = [], [], [], []
    o_kind, o_member, o_month, o_cents = [], [], [], []
    f_from, f_to, f_cents, f_month = [], [], [], []
    for kind, at, amount, payer_member, payee_member, payer_pos, payee_pos, contrib in rows:
        t = month_index[month_of(at)]
        if kind == "payment" and payer_member is not None and payee_pos is not None:
            payer.append(member_index[payer_member])
            payee.append(vendor_index[payee_pos])
            cents.append(amount)
            month.append(t)
        elif kind == "vendor_payment" and payer_pos is not None and payee_pos is not None:
            f_from.append(vendor_index[payer_pos])
            f_to.append(vendor_index[payee_pos])
            f_cents.append(amount)
            f_month.append(t)
        else:
            who = payee_member if kind == "allocation" else (
                contrib if kind == "contribution" else payer_member or payee_member)
            o_kind.append(kind)
            o_member.append(-1 if who is None else member_index[who])
            o_month.append(t)
            o_cents.append(amount)
    return FlowData(
        months=months, member_ids=np.array([m[0] for m in members], dtype=np.int64),
        member_x_m=mx, member_y_m=my,
        vendor_pos_ids=np.array([p.id for p in pos], dtype=np.int64),
        vendor_refs=[p.ref for p in pos], vendor_names=[p.name for p in pos],
        vendor_kinds=[p.kind for p in pos],
        vendor_market=np.array([-1 if p.market_id is None else p.market_id for p in pos],
                               dtype=np.int64),
        vendor_lon=lon, vendor_lat=lat, vendor_in_centre=np.asarray(in_centre, dtype=bool),
        payer=np.array(payer, dtype=np.int32), payee=np.array(payee, dtype=np.int32),
        cents=np.array(cents, dtype=np.int64), month=np.array(month, dtype=np.int16),
        other_kind=o_kind, other_member=np.array(o_member, dtype=np.int32),
        other_month=np.array(o_month, dtype=np.int16),
        other_cents=np.array(o_cents, dtype=np.int64),
        v2v_from=np.array(f_from, dtype=np.int32), v2v_to=np.array(f_to, dtype=np.int32),
        v2v_cents=np.array(f_cents, dtype=np.int64),
        v2v_month=np.array(f_month, dtype=np.int16), markets=markets,
        synthetic=any(bool(m[3]) for m in members),
    )


def _mona(cents: int | np.integer) -> str:
    return str((Decimal(int(cents)) / 100).quantize(Decimal("0.01")))


def _figure(cents: int | np.integer, members: int | np.integer, shown: bool | np.bool_
            ) -> dict[str, Any]:
    if int(members) == 0:
        return {"mona": "0.00", "members": 0, "suppressed": False}
    if not shown:
        return {"mona": None, "members": None, "suppressed": True}
    return {"mona": _mona(cents), "members": int(members), "suppressed": False}


@dataclass
class MonaFlows:
    """The flows of one caisse, ready to publish under the 11-member rule."""

    data: FlowData
    territory: Territory
    grid: AdaptiveGrid
    min_members: int
    member_row: NDArray[np.int32]   # grid leaf, or n_leaves for "home unknown / too few"
    # what a year's publications share, computed once per MonaFlows (the data never changes)
    _aggregate_cache: dict[tuple[int, int], tuple[Any, ...]] = field(default_factory=dict)
    _home_cache: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _vendor_cache: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def compute(cls, data: FlowData, territory: Territory, *,
                min_members: int | None = None) -> MonaFlows:
        k = check_min_members(min_members or territory.caisse.min_members_per_cell)
        grid = AdaptiveGrid.build(data.member_x_m, data.member_y_m, crs=territory.metric_crs,
                                  min_members=k)
        row = np.where(grid.member_leaf >= 0, grid.member_leaf, grid.n_leaves).astype(np.int32)
        return cls(data, territory, grid, k, row)

    # periods ------------------------------------------------------------------------------
    def years(self) -> list[str]:
        return sorted({m[:4] for m in self.data.months})

    def _months_of(self, period: str) -> tuple[int, int, list[str]]:
        """Month index range of a calendar year or month present in the data."""
        if not isinstance(period, str) or len(period) not in (4, 7):
            raise ValidationError(f"period must be YYYY or YYYY-MM, got {period!r}")
        try:
            datetime.strptime(period, "%Y" if len(period) == 4 else "%Y-%m")
        except ValueError:
            raise ValidationError(f"period must be YYYY or YYYY-MM, got {period!r}") from None
        idx = [i for i, m in enumerate(self.data.months) if m.startswith(period)]
        if not idx:
            return 0, 0, []
        return idx[0], idx[-1] + 1, self.data.months[idx[0]:idx[-1] + 1]

    def _year_range(self, year: str) -> tuple[int, int, list[str]]:
        if not isinstance(year, str) or len(year) != 4 or not year.isdigit():
            raise ValidationError(f"year must be YYYY (flows are published per year), "
                                  f"got {year!r}")
        return self._months_of(year)

    def _period(self, period: str) -> tuple[str, int, int, list[str]]:
        """A validated year or month: its year and the year's month index range."""
        self._months_of(period)
        year = period[:4]
        lo, hi, months = self._year_range(year)
        return year, lo, hi, months

    def _aggregate(self, lo: int, hi: int) -> tuple[Any, ...]:
        cached = self._aggregate_cache.get((lo, hi))
        if cached is None:
            d = self.data
            cached = aggregate_payments(d.payer, d.payee, d.cents, d.month, self.member_row,
                                        self.grid.n_leaves + 1, d.n_vendors, len(d.months),
                                        lo, hi)
            self._aggregate_cache[(lo, hi)] = cached
        return cached

    @cached_property
    def _members_by_row(self) -> list[NDArray[np.intp]]:
        order = np.argsort(self.member_row, kind="stable")
        cuts = np.searchsorted(self.member_row[order], np.arange(self.grid.n_leaves + 2))
        return [order[cuts[r]:cuts[r + 1]] for r in range(self.grid.n_leaves + 1)]

    # the home heatmap ------------------------------------------------------------------
    def _home_year(self, year: str) -> tuple[Any, ...]:
        """The home cells × months table of ``year`` and which of its figures may be shown."""
        cached = self._home_cache.get(year)
        if cached is not None:
            return cached
        lo, hi, _ = self._year_range(year)
        row_month, _, _, member_month, _, members_rm, _ = self._aggregate(lo, hi)
        members_by_row = self._members_by_row
        n_rows = self.grid.n_leaves + 1
        k = self.min_members
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
        self._home_cache[year] = cached
        return cached

    def home_heatmap(self, period: str) -> dict[str, Any]:
        """Mona spent by members, by their home cell, for a year or a month."""
        year, lo, hi, months = self._period(period)
        row_month, spenders_rm, year_spenders, year_shown, month_shown = self._home_year(year)
        n_rows = self.grid.n_leaves + 1
        k = self.min_members
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
        features = []
        for leaf, code in enumerate(self.grid.leaf_codes()):
            geom = reproject(self.grid.leaf_geometry(leaf), self.territory.metric_crs, WGS84)
            features.append({"type": "Feature", "id": code, "geometry": mapping(geom),
                             "properties": {"cell": code,
                                            "size_m": self.grid.leaf_size_m(leaf),
                                            "residents": int(self.grid.leaf_members[leaf]),
                                            **_figure(values[leaf], counts[leaf],
                                                      bool(shown[leaf]))}})
        unknown = n_rows - 1
        return {"type": "FeatureCollection", "features": features,
                "period": period, "min_members": k, "synthetic": self.data.synthetic,
                "outside_grid": _figure(values[unknown], counts[unknown],
                                        bool(shown[unknown])),
                "total": _figure(values.sum(), counts.sum(), counts.sum() >= k)}

    # flows toward points of sale and markets ------------------------------------------------
    def _destinations(self, by: str) -> tuple[NDArray[np.int64], list[dict[str, Any]]]:
        """Vendor → destination column, and each destination's description."""
        d = self.data
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
        lo, hi, _ = self._year_range(year)
        _, row_vendor, _, _, member_vendor, _, _ = self._aggregate(lo, hi)
        cols, info = self._destinations(by)
        n_cols = len(info)
        valid = cols >= 0
        # member × destination presence, and cents by (row, destination)
        presence = np.zeros((self.data.n_members, n_cols), dtype=np.uint8)
        cents = np.zeros((self.grid.n_leaves + 1, n_cols), dtype=np.int64)
        for c in range(n_cols):
            vs = np.flatnonzero(valid & (cols == c))
            if vs.size:
                presence[:, c] = member_vendor[:, vs].any(axis=1)
                cents[:, c] = row_vendor[:, vs].sum(axis=1)
        members_by_row = self._members_by_row
        counts = np.stack([presence[m].sum(axis=0) for m in members_by_row])
        k = self.min_members
        _, _, year_spenders, year_shown, _ = self._home_year(year)
        row_pub = year_shown | (year_spenders == 0)  # as the home heatmap publishes them
        col_total = presence.sum(axis=0)
        side = self._vendor_side(year)
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

    def flows(self, year: str, *, by: str = "market") -> dict[str, Any]:
        """Flow lines from home cells to markets (or points of sale) as GeoJSON."""
        t = self.od_table(year, by=by)
        to_wgs = transformer(self.territory.metric_crs, WGS84).transform
        codes = self.grid.leaf_codes()
        features = []
        for r in range(self.grid.n_leaves):
            centre = self.grid.leaf_geometry(r).representative_point()
            lon, lat = to_wgs(centre.x, centre.y)
            for j in np.flatnonzero(t["shown"][r]):
                dest = t["info"][j]
                features.append({"type": "Feature", "geometry": mapping(LineString(
                    [(lon, lat), (dest["lon"], dest["lat"])])), "properties": {
                        "from_cell": codes[r], "to": dest["name"], "to_id": dest["id"],
                        **_figure(t["cents"][r, j], t["counts"][r, j], True)}})
        destinations = []
        for c, dest in enumerate(t["info"]):
            hidden = ~t["shown"][:, c] & (t["counts"][:, c] > 0)
            hidden_members = int(t["counts"][hidden, c].sum())
            destinations.append({**dest, "total": _figure(
                t["cents"][:, c].sum(), t["col_total"][c], bool(t["col_pub"][c])),
                "other_origins": _figure(t["cents"][hidden, c].sum(), hidden_members,
                                         hidden_members >= self.min_members
                                         and bool(t["col_pub"][c]))})
        return {"type": "FeatureCollection", "features": features, "year": year, "by": by,
                "min_members": self.min_members, "synthetic": self.data.synthetic,
                "destinations": destinations}

    def basin(self, point_of_sale_id: int, year: str) -> dict[str, Any]:
        """Where a point of sale's payers live (its payment basin), suppressed."""
        d = self.data
        hits = np.flatnonzero(d.vendor_pos_ids == point_of_sale_id)
        if not hits.size:
            raise ValidationError(f"point of sale {point_of_sale_id} has no Mona account")
        c = int(hits[0])
        t = self.od_table(year, by="point_of_sale")
        codes = self.grid.leaf_codes()
        cells = [{"cell": codes[r], **_figure(t["cents"][r, c], t["counts"][r, c], True)}
                 for r in np.flatnonzero(t["shown"][: self.grid.n_leaves, c])]
        hidden = ~t["shown"][:, c] & (t["counts"][:, c] > 0)
        hidden_members = int(t["counts"][hidden, c].sum())
        return {"point_of_sale": t["info"][c], "year": year, "min_members": self.min_members,
                "total": _figure(t["cents"][:, c].sum(), t["col_total"][c],
                                 bool(t["col_pub"][c])),
                "cells": cells,
                "other_origins": _figure(t["cents"][hidden, c].sum(), hidden_members,
                                         hidden_members >= self.min_members
                                         and bool(t["col_pub"][c]))}

    # where the Mona is spent -------------------------------------------------------------
    def _vendor_side(self, year: str) -> dict[str, Any]:
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
        cached = self._vendor_cache.get(year)
        if cached is not None:
            return cached
        lo, hi, _ = self._year_range(year)
        _, _, vendor_month, _, member_vendor, _, _ = self._aggregate(lo, hi)
        d = self.data
        k = self.min_members
        pres = member_vendor.astype(bool)
        vx, vy = lonlat_to_metric(d.vendor_lon, d.vendor_lat,
                                  metric_crs=self.territory.metric_crs)
        producer = np.array([kind in PRODUCER_KINDS for kind in d.vendor_kinds])
        klass = 2 * d.vendor_in_centre.astype(int) + producer.astype(int)
        paid = pres.any(axis=0)

        def payers(vendors: NDArray[np.intp]) -> int:
            return int(pres[:, vendors].any(axis=1).sum())

        areas: list[tuple[Any, NDArray[np.intp], int, str]] = []
        for c in range(4):
            mask = paid & (klass == c)
            grid = AdaptiveGrid.build(np.where(mask, vx, np.nan), vy,
                                      crs=self.territory.metric_crs, min_members=k,
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
        self._vendor_cache[year] = out
        return out

    def vendor_months(self, point_of_sale_id: int, year: str) -> dict[str, Any]:
        """The MonA a point of sale received each month of ``year`` from members.

        A month is shown with at least k distinct payers; the months hidden must together
        have 0 or at least k distinct payers (else the smallest shown month is hidden too),
        so the year's total minus the shown months never gives a smaller group's spending.
        """
        d = self.data
        hits = np.flatnonzero(d.vendor_pos_ids == point_of_sale_id)
        if not hits.size:
            raise ValidationError(f"point of sale {point_of_sale_id} has no Mona account")
        c = int(hits[0])
        lo, hi, months = self._year_range(year)
        sel = (d.payee == c) & (d.month >= lo) & (d.month < hi)
        payer, month, cents = d.payer[sel], d.month[sel] - lo, d.cents[sel]
        k = self.min_members
        payers = [np.unique(payer[month == i]) for i in range(len(months))]
        total = np.bincount(month, weights=cents, minlength=len(months)).astype(np.int64)
        count = np.array([p.size for p in payers])
        shown = count >= k

        def hidden_union() -> int:
            ids = [payers[i] for i in np.flatnonzero(~shown & (count > 0))]
            return int(np.unique(np.concatenate(ids)).size) if ids else 0

        while 0 < hidden_union() < k and shown.any():
            shown[np.flatnonzero(shown)[np.argmin(count[shown])]] = False
        return {"point_of_sale_id": point_of_sale_id, "year": year, "min_members": k,
                "months": [{"month": m, **_figure(total[i], count[i], bool(shown[i]))}
                           for i, m in enumerate(months)],
                "synthetic": d.synthetic}

    def payers_by_point_of_sale(self, year: str) -> dict[int, int | None]:
        """Distinct payers of each point of sale in ``year`` (None where hidden: < k or
        recoverable as a difference of published sets)."""
        side = self._vendor_side(year)
        out: dict[int, int | None] = {}
        for v, pos_id in enumerate(self.data.vendor_pos_ids):
            ok, n = side["groups"][f"pos:{v}"]
            out[int(pos_id)] = n if ok and n >= self.min_members else (0 if n == 0 else None)
        return out

    def spend_heatmap(self, year: str) -> dict[str, Any]:
        """Mona received by points of sale, in areas paid by ≥ 11 distinct members."""
        side = self._vendor_side(year)
        features = []
        for i, (geom, vs, size, code) in enumerate(side["areas"]):
            ok, members = side["groups"][f"area:{i}"]
            wgs = reproject(geom, self.territory.metric_crs, WGS84)
            features.append({"type": "Feature", "id": code, "geometry": mapping(wgs),
                             "properties": {"cell": code, "size_m": size,
                                            "points_of_sale": int(vs.size),
                                            **_figure(side["received"][vs].sum(), members,
                                                      ok)}})
        return {"type": "FeatureCollection", "features": features, "year": year,
                "min_members": self.min_members, "synthetic": self.data.synthetic}

    # shares and classification -------------------------------------------------------
    def _split(self, period: str, part: NDArray[np.int64], labels: Sequence[str]
               ) -> dict[str, Any]:
        """Mona by part of the points of sale (centre/outside, producers/shops)."""
        year, lo, hi, months = self._period(period)
        _, _, vendor_month, _, _, _, _ = self._aggregate(lo, hi)
        d = self.data
        n_parts, n_months = len(labels), max(hi - lo, 1)
        pres = np.zeros((d.n_members, n_parts, n_months), dtype=bool)
        in_span = (d.month >= lo) & (d.month < hi)
        pres[d.payer[in_span], part[d.payee[in_span]], d.month[in_span] - lo] = True
        counts = pres.sum(axis=0)
        k = self.min_members
        year_pres: NDArray[np.bool_] = np.asarray(pres.any(axis=2), dtype=bool)
        year_counts = year_pres.sum(axis=0)
        year_shown = suppress_table(
            year_counts[:, None], min_members=k,
            col_union=lambda _c, rs: int(year_pres[:, rs].any(axis=1).sum()))[:, 0]
        # both parts share members: a column's union is computed from the presence
        shown = suppress_table(
            counts, min_members=k, row_published=year_shown,
            row_union=lambda r, cs: int(pres[:, r, cs].any(axis=1).sum()),
            col_union=lambda c, rs: int(pres[:, rs, c].any(axis=1).sum()))
        cents = np.zeros((n_parts, n_months), dtype=np.int64)
        for p in range(n_parts):
            cents[p] = vendor_month[part == p][:, lo:hi].sum(axis=0) if hi > lo else 0
        side = self._vendor_side(year)
        year_shown &= np.array([side["groups"].get(f"part:{label}", (True, 0))[0]
                                for label in labels])
        if len(period) == 4:
            values, who, ok = cents.sum(axis=1), year_counts, year_shown
        elif period in months:
            j = months.index(period)
            values, who, ok = cents[:, j], counts[:, j], shown[:, j]
        else:
            values = np.zeros(n_parts, np.int64)
            who, ok = values, np.zeros(n_parts, bool)
        total = int(values.sum())
        parts = {}
        for p, label in enumerate(labels):
            fig = _figure(values[p], who[p], bool(ok[p]))
            fig["share"] = (round(int(values[p]) / total, 4)
                            if ok.all() and total > 0 else None)
            parts[label] = fig
        return {"period": period, "min_members": k, "synthetic": d.synthetic, **parts}

    def centre_share(self, period: str) -> dict[str, Any]:
        """Mona spent at points of sale in the configured centre versus elsewhere."""
        part = np.where(self.data.vendor_in_centre, 0, 1).astype(np.int64)
        out = self._split(period, part, ("centre", "elsewhere"))
        out["centre_codes"] = list(self.territory.caisse.centre)
        return out

    def producer_share(self, period: str) -> dict[str, Any]:
        """Mona captured by producers (and market stalls) versus shops."""
        part = np.array([0 if k in PRODUCER_KINDS else 1 for k in self.data.vendor_kinds],
                        dtype=np.int64)
        return self._split(period, part, ("producers", "shops"))

    def classification(self, period: str) -> dict[str, Any]:
        """Every transfer of the period by kind: count, amount, members behind it.

        Kinds that involve members (allocation, payment, contribution) follow the same
        rule as the heatmap across the months of the year: a month is hidden below 11
        members, and the hidden months of a kind together hold 0 or ≥ 11 members.
        """
        _, lo, hi, months = self._period(period)
        d = self.data
        k = self.min_members
        okind = np.array(d.other_kind, dtype=object)
        kinds = sorted(set(d.other_kind) | {"payment", "vendor_payment"})
        n_months = max(hi - lo, 1)
        member_kinds = [kd for kd in kinds if kd in MEMBER_KINDS]
        presence = np.zeros((len(member_kinds), d.n_members, n_months), dtype=bool)
        for i, kind in enumerate(member_kinds):
            if kind == "payment":
                who, when = d.payer, d.month
            else:
                sel = (okind == kind) & (d.other_member >= 0)
                who, when = d.other_member[sel], d.other_month[sel]
            inside = (when >= lo) & (when < hi)
            presence[i, who[inside], when[inside] - lo] = True
        counts = presence.sum(axis=1)
        year_counts = presence.any(axis=2).sum(axis=1)
        shown = suppress_table(
            counts, min_members=k, row_published=year_counts >= k,
            row_union=lambda r, cs: int(presence[r][:, cs].any(axis=1).sum()),
            col_published=np.zeros(n_months, dtype=bool))
        pick = (np.arange(lo, hi) if len(period) == 4
                else np.array([lo + months.index(period)] if period in months else [],
                              dtype=np.int64))
        out: dict[str, Any] = {"period": period, "min_members": k, "synthetic": d.synthetic,
                               "kinds": {}}
        for kind in kinds:
            if kind == "payment":
                sel = np.isin(d.month, pick)
                count, cents = int(sel.sum()), int(d.cents[sel].sum())
            elif kind == "vendor_payment":
                sel = np.isin(d.v2v_month, pick)
                count, cents = int(sel.sum()), int(d.v2v_cents[sel].sum())
            else:
                sel = (okind == kind) & np.isin(d.other_month, pick)
                count, cents = int(sel.sum()), int(d.other_cents[sel].sum())
            members: int | None = None
            visible = True
            if kind in member_kinds:
                r = member_kinds.index(kind)
                if len(period) == 4:
                    members, visible = int(year_counts[r]), bool(year_counts[r] >= k)
                elif period in months:
                    j = months.index(period)
                    members, visible = int(counts[r, j]), bool(shown[r, j])
                else:
                    members = 0
            if members == 0 or visible:
                out["kinds"][kind] = {"transfers": count, "amount": _mona(cents),
                                      "members": members, "suppressed": False}
            else:
                out["kinds"][kind] = {"transfers": None, "amount": None, "members": None,
                                      "suppressed": True}
        return out

    def vendor_respend(self, year: str) -> dict[str, Any]:
        """Mona vendors pay each other, by kind of payer and payee (no member involved)."""
        lo, hi, _ = self._year_range(year)
        d = self.data
        sel = (d.v2v_month >= lo) & (d.v2v_month < hi)
        table: dict[tuple[str, str], int] = {}
        for a, b, c in zip(d.v2v_from[sel].tolist(), d.v2v_to[sel].tolist(),
                           d.v2v_cents[sel].tolist(), strict=True):
            key = (d.vendor_kinds[a], d.vendor_kinds[b])
            table[key] = table.get(key, 0) + c
        return {"year": year, "flows": [{"from_kind": a, "to_kind": b, "mona": _mona(c)}
                                        for (a, b), c in sorted(table.items())]}


__all__ = ["PRODUCER_KINDS", "FlowData", "MonaFlows", "aggregate_payments", "load_flow_data"]
