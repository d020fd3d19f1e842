"""Mona flows: where members who spend live, where the Mona goes, and what the caisse may show.

Everything published goes through :mod:`geo_caisse.core.privacy`: homes are grouped in an
adaptive grid whose cells hold at least the territory's minimum group (11 members by
default; computed once per member home, never per transaction), and every table (home cell
× month, home cell × point of sale or market, centre/outside × month, kind × month) is
suppressed so that no figure, and no published total minus the shown figures, stands for
a smaller group.

Periods are a calendar year (``"2025"``) or month (``"2025-03"``); flows toward points
of sale and markets, and the heatmap of where Mona is spent, are published per year.

:class:`MonaFlows` holds the year's compiled pass over the payments
(:func:`geo_caisse.mona._pass.aggregate_payments`) and the home grid; what it publishes
is grouped by subject: :attr:`MonaFlows.homes` (where members live: heatmap, flow lines,
a point of sale's basin), :attr:`MonaFlows.vendors` (where the Mona is spent) and
:attr:`MonaFlows.shares` (centre and producers' shares, every transfer by kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo_caisse.core.errors import NotFoundError, ValidationError
from geo_caisse.core.privacy import AdaptiveGrid, check_min_members
from geo_caisse.core.territory import Territory
from geo_caisse.mona.flowdata import FlowData
from geo_caisse.mona.homes import HomeFlows
from geo_caisse.mona.shares import FlowShares
from geo_caisse.mona.vendors import VendorFlows


@dataclass
class MonaFlows:
    """The flows of one caisse, ready to publish under the minimum-group rule."""

    data: FlowData
    territory: Territory
    grid: AdaptiveGrid
    min_members: int
    member_row: NDArray[np.int32]   # grid leaf, or n_leaves for "home unknown / too few"
    # the compiled pass of each month range, computed once (the data never changes)
    _aggregate_cache: dict[tuple[int, int], tuple[Any, ...]] = field(default_factory=dict)

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

    def year_or_latest(self, year: str | None) -> str:
        """``year``, or the latest year of the ledger (NotFoundError when it is empty)."""
        if year is not None:
            return year
        years = self.years()
        if not years:
            raise NotFoundError("the ledger holds no movement yet")
        return years[-1]

    def months_of(self, period: str) -> tuple[int, int, list[str]]:
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

    def year_range(self, year: str) -> tuple[int, int, list[str]]:
        if not isinstance(year, str) or len(year) != 4 or not year.isdigit():
            raise ValidationError(f"year must be YYYY (flows are published per year), "
                                  f"got {year!r}")
        return self.months_of(year)

    def period(self, period: str) -> tuple[str, int, int, list[str]]:
        """A validated year or month: its year and the year's month index range."""
        self.months_of(period)
        year = period[:4]
        lo, hi, months = self.year_range(year)
        return year, lo, hi, months

    def aggregate(self, lo: int, hi: int) -> tuple[Any, ...]:
        cached = self._aggregate_cache.get((lo, hi))
        if cached is None:
            d = self.data
            from geo_caisse.mona._pass import aggregate_payments  # numba: at the first pass

            cached = aggregate_payments(d.payer, d.payee, d.cents, d.month, self.member_row,
                                        self.grid.n_leaves + 1, d.n_vendors, len(d.months),
                                        lo, hi)
            self._aggregate_cache[(lo, hi)] = cached
        return cached

    @cached_property
    def members_by_row(self) -> list[NDArray[np.intp]]:
        order = np.argsort(self.member_row, kind="stable")
        cuts = np.searchsorted(self.member_row[order], np.arange(self.grid.n_leaves + 2))
        return [order[cuts[r]:cuts[r + 1]] for r in range(self.grid.n_leaves + 1)]

    # what is published, by subject -------------------------------------------------------
    @cached_property
    def homes(self) -> HomeFlows:
        """Where the members who spend live: heatmap, flow lines, a point of sale's basin."""
        return HomeFlows(self)

    @cached_property
    def vendors(self) -> VendorFlows:
        """Where the Mona is spent: areas of points of sale, a point of sale's months."""
        return VendorFlows(self)

    @cached_property
    def shares(self) -> FlowShares:
        """Centre and producers' shares, and every transfer by kind."""
        return FlowShares(self)


__all__ = ["MonaFlows"]
