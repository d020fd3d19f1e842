"""Shares of the Mona (centre or elsewhere, producers or shops) and every transfer by kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geo_caisse.core.privacy import suppress_table
from geo_caisse.mona._figures import MEMBER_KINDS, PRODUCER_KINDS, figure, mona_text

if TYPE_CHECKING:
    from geo_caisse.mona.flows import MonaFlows


class FlowShares:
    """Shares of the Mona (centre or elsewhere, producers or shops) and every transfer by kind."""

    def __init__(self, flows: MonaFlows) -> None:
        self.flows = flows

    def _split(self, period: str, part: NDArray[np.int64], labels: Sequence[str]
               ) -> dict[str, Any]:
        """Mona by part of the points of sale (centre/outside, producers/shops)."""
        year, lo, hi, months = self.flows.period(period)
        _, _, vendor_month, _, _, _, _ = self.flows.aggregate(lo, hi)
        d = self.flows.data
        n_parts, n_months = len(labels), max(hi - lo, 1)
        pres = np.zeros((d.n_members, n_parts, n_months), dtype=bool)
        in_span = (d.month >= lo) & (d.month < hi)
        pres[d.payer[in_span], part[d.payee[in_span]], d.month[in_span] - lo] = True
        counts = pres.sum(axis=0)
        k = self.flows.min_members
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
        side = self.flows.vendors.side(year)
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
            fig = figure(values[p], who[p], bool(ok[p]))
            fig["share"] = (round(int(values[p]) / total, 4)
                            if ok.all() and total > 0 else None)
            parts[label] = fig
        return {"period": period, "min_members": k, "synthetic": d.synthetic, **parts}

    def centre(self, period: str) -> dict[str, Any]:
        """Mona spent at points of sale in the configured centre versus elsewhere."""
        part = np.where(self.flows.data.vendor_in_centre, 0, 1).astype(np.int64)
        out = self._split(period, part, ("centre", "elsewhere"))
        out["centre_codes"] = list(self.flows.territory.caisse.centre)
        return out

    def producers(self, period: str) -> dict[str, Any]:
        """Mona captured by producers (and market stalls) versus shops."""
        part = np.array([0 if k in PRODUCER_KINDS else 1 for k in self.flows.data.vendor_kinds],
                        dtype=np.int64)
        return self._split(period, part, ("producers", "shops"))

    def classification(self, period: str) -> dict[str, Any]:
        """Every transfer of the period by kind: count, amount, members behind it.

        Kinds that involve members (allocation, payment, contribution) follow the same
        rule as the heatmap across the months of the year: a month is hidden below 11
        members, and the hidden months of a kind together hold 0 or ≥ 11 members.
        """
        _, lo, hi, months = self.flows.period(period)
        d = self.flows.data
        k = self.flows.min_members
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
                out["kinds"][kind] = {"transfers": count, "amount": mona_text(cents),
                                      "members": members, "suppressed": False}
            else:
                out["kinds"][kind] = {"transfers": None, "amount": None, "members": None,
                                      "suppressed": True}
        return out

    def respend(self, year: str) -> dict[str, Any]:
        """Mona vendors pay each other, by kind of payer and payee (no member involved)."""
        lo, hi, _ = self.flows.year_range(year)
        d = self.flows.data
        sel = (d.v2v_month >= lo) & (d.v2v_month < hi)
        table: dict[tuple[str, str], int] = {}
        for a, b, c in zip(d.v2v_from[sel].tolist(), d.v2v_to[sel].tolist(),
                           d.v2v_cents[sel].tolist(), strict=True):
            key = (d.vendor_kinds[a], d.vendor_kinds[b])
            table[key] = table.get(key, 0) + c
        return {"year": year, "flows": [{"from_kind": a, "to_kind": b, "mona": mona_text(c)}
                                        for (a, b), c in sorted(table.items())]}


__all__ = ["FlowShares"]
