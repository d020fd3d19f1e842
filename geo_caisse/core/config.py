"""The sections of ``territory.toml``, each parsed and checked with the file it came from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from geo_caisse.core.errors import DataError


def _number(table: dict[str, Any], key: str, default: float, *, where: str, low: float,
            high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DataError(f"{where}: {key} must be a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class NetworkConfig:
    """``[network]``: the walking network's source file and where it is valid.

    ``coverage`` lists the neighbourhood codes the network covers (people elsewhere are
    reported as outside the network); ``max_snap_m`` is the farthest a place may lie from
    the nearest network node; ``detour_factor`` turns a straight line into an estimated
    walk where a straight-line estimate is asked for (always labelled as such).
    """

    source: Path
    coverage: tuple[str, ...]
    max_snap_m: float = 250.0
    detour_factor: float = 1.3

    @classmethod
    def parse(cls, table: dict[str, Any], folder: Path, where: str) -> NetworkConfig:
        if "source" not in table:
            raise DataError(f"{where}: [network] needs source = \"path/to/network\"")
        coverage = table.get("coverage", [])
        if not isinstance(coverage, list) or not all(isinstance(c, str) for c in coverage):
            raise DataError(f"{where}: [network] coverage must be a list of neighbourhood codes")
        return cls(source=folder / str(table["source"]), coverage=tuple(coverage),
                   max_snap_m=_number(table, "max_snap_m", 250.0, where=where, low=1,
                                      high=5000),
                   detour_factor=_number(table, "detour_factor", 1.3, where=where, low=1,
                                         high=3))


@dataclass(frozen=True)
class PopulationConfig:
    """``[population]``: where people live.

    ``mode = "spread"`` spreads the population of each neighbourhood of ``level`` evenly over
    the ``points`` (address points) inside it; ``mode = "weighted_points"`` reads a
    population column on the points themselves (e.g. the centroids of INSEE's 200 m grid),
    with an optional ``low_income_column`` holding a 0–1 share of low-income people.
    """

    points: Path
    mode: str = "spread"
    level: str = "sous_quartier"
    population_column: str | None = None
    low_income_column: str | None = None

    @classmethod
    def parse(cls, table: dict[str, Any], folder: Path, where: str) -> PopulationConfig:
        if "points" not in table:
            raise DataError(f"{where}: [population] needs points = \"path/to/points\"")
        mode = str(table.get("mode", "spread"))
        if mode not in ("spread", "weighted_points"):
            raise DataError(f"{where}: [population] mode must be 'spread' or "
                            f"'weighted_points', got {mode!r}")
        if mode == "weighted_points" and not table.get("population_column"):
            raise DataError(f"{where}: [population] mode 'weighted_points' needs "
                            "population_column")
        return cls(points=folder / str(table["points"]), mode=mode,
                   level=str(table.get("level", "sous_quartier")),
                   population_column=table.get("population_column"),
                   low_income_column=table.get("low_income_column"))


@dataclass(frozen=True)
class AccessConfig:
    """``[accessibility]``: the defaults of the walking analysis (overridable per request).

    A place is a food desert when the walk to the nearest conventionné point of sale takes
    more than ``desert_threshold_min`` and its income is low: its neighbourhood's median
    income per consumption unit falls in the territory's bottom ``low_income_quantile``
    (population-weighted; 0.25 = first quartile), or, with ``low_income = "benefit_share"``,
    its share of people living mostly on benefits is at least ``min_benefit_share``.
    """

    walk_speed_kmh: float = 4.5
    desert_threshold_min: float = 10.0
    low_income: str = "income_quantile"
    low_income_quantile: float = 0.25
    min_benefit_share: float = 0.25
    catchment_min: float = 15.0
    cell_size_m: float = 200.0

    @classmethod
    def parse(cls, table: dict[str, Any], where: str) -> AccessConfig:
        method = str(table.get("low_income", "income_quantile"))
        if method not in ("income_quantile", "benefit_share"):
            raise DataError(f"{where}: [accessibility] low_income must be 'income_quantile' "
                            f"or 'benefit_share', got {method!r}")
        return cls(
            walk_speed_kmh=_number(table, "walk_speed_kmh", 4.5, where=where, low=1, high=10),
            desert_threshold_min=_number(table, "desert_threshold_min", 10.0, where=where,
                                         low=1, high=120),
            low_income=method,
            low_income_quantile=_number(table, "low_income_quantile", 0.25, where=where,
                                        low=0.01, high=0.99),
            min_benefit_share=_number(table, "min_benefit_share", 0.25, where=where, low=0,
                                      high=1),
            catchment_min=_number(table, "catchment_min", 15.0, where=where, low=1, high=120),
            cell_size_m=_number(table, "cell_size_m", 200.0, where=where, low=25, high=5000),
        )


def _decimal(table: dict[str, Any], key: str, default: str, *, where: str, low: str,
             high: str) -> Decimal:
    value = table.get(key, default)
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not Decimal(low) <= number <= Decimal(high) or (
            number.as_tuple().exponent < -2):  # type: ignore[operator]
        raise DataError(f"{where}: [caisse] {key} must be an amount in [{low}, {high}] with "
                        f"at most 2 decimals, got {value!r}")
    return number


@dataclass(frozen=True)
class ContributionStep:
    """One line of the indicative contribution grid: up to an income, this contribution."""

    max_income_uc_eur: Decimal | None  # None: above every other line
    contribution_eur: Decimal


@dataclass(frozen=True)
class CaisseConfig:
    """``[caisse]``: the caisse's own rules (the committee sets them, not the code).

    ``centre`` lists the neighbourhood codes (any level) whose points of sale count as the
    city centre in the Mona flows; ``min_members_per_cell`` may raise, never lower, the
    INSEE rule of 11 members behind every published figure.
    """

    monthly_allocation_mona: Decimal = Decimal("100")
    contribution_min_eur: Decimal = Decimal("1")
    contribution_max_eur: Decimal = Decimal("150")
    state_topup_share: Decimal = Decimal("0.5")
    payment_code_ttl_min: float = 10.0
    centre: tuple[str, ...] = ()
    min_members_per_cell: int = 11
    contribution_grid: tuple[ContributionStep, ...] = ()

    @classmethod
    def parse(cls, table: dict[str, Any], where: str) -> CaisseConfig:
        low = _decimal(table, "contribution_min_eur", "1", where=where, low="0", high="10000")
        high = _decimal(table, "contribution_max_eur", "150", where=where, low="0",
                        high="10000")
        if low > high:
            raise DataError(f"{where}: [caisse] contribution_min_eur {low} is above "
                            f"contribution_max_eur {high}")
        centre = table.get("centre", [])
        if not isinstance(centre, list) or not all(isinstance(c, str) for c in centre):
            raise DataError(f"{where}: [caisse] centre must be a list of neighbourhood codes")
        grid = []
        for i, step in enumerate(table.get("contribution_grid", []), start=1):
            if not isinstance(step, dict) or "contribution_eur" not in step:
                raise DataError(f"{where}: [caisse] contribution_grid line {i} needs "
                                "contribution_eur (and max_income_uc_eur but for the last)")
            cap = step.get("max_income_uc_eur")
            grid.append(ContributionStep(
                None if cap is None else _decimal(step, "max_income_uc_eur", "0", where=where,
                                                  low="0", high="1000000"),
                _decimal(step, "contribution_eur", "0", where=where, low=str(low),
                         high=str(high))))
        minimum = int(_number(table, "min_members_per_cell", 11, where=where, low=11,
                              high=1000))
        return cls(
            monthly_allocation_mona=_decimal(table, "monthly_allocation_mona", "100",
                                             where=where, low="1", high="10000"),
            contribution_min_eur=low, contribution_max_eur=high,
            state_topup_share=_decimal(table, "state_topup_share", "0.5", where=where,
                                       low="0", high="10"),
            payment_code_ttl_min=_number(table, "payment_code_ttl_min", 10, where=where,
                                         low=1, high=1440),
            centre=tuple(centre), min_members_per_cell=minimum, contribution_grid=tuple(grid),
        )

    def indicative_contribution(self, income_uc_eur: Decimal) -> Decimal | None:
        """The grid's contribution for a monthly income per consumption unit, if a grid is set."""
        for step in self.contribution_grid:
            if step.max_income_uc_eur is None or income_uc_eur <= step.max_income_uc_eur:
                return step.contribution_eur
        return None


@dataclass(frozen=True)
class SearchConfig:
    """``[search]``: the address points members search (no external geocoder).

    ``addresses`` is a point layer; ``street``, ``number`` and ``suffix`` name its columns
    (street name, house number, "bis"/"ter"...; ``suffix`` may be empty)."""

    addresses: Path
    street: str
    number: str
    suffix: str = ""

    @classmethod
    def parse(cls, table: dict[str, Any], folder: Path, where: str) -> SearchConfig:
        missing = [k for k in ("addresses", "street", "number") if k not in table]
        if missing:
            raise DataError(f"{where}: [search] needs {', '.join(missing)}")
        if not all(isinstance(table.get(k, ""), str) for k in ("addresses", "street", "number",
                                                                 "suffix")):
            raise DataError(f"{where}: [search] values must be text")
        return cls(folder / table["addresses"], table["street"], table["number"],
                   table.get("suffix", ""))
