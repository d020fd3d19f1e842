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
    level: str = ""  # the level whose populations are spread; the finest by default
    population_column: str | None = None
    low_income_column: str | None = None

    @classmethod
    def parse(cls, table: dict[str, Any], folder: Path, where: str, *,
              default_level: str | None = None) -> PopulationConfig:
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
                   level=str(table.get("level", default_level or "")),
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
    city centre in the Mona flows, under the name ``centre_label`` (default "Centre");
    ``min_members_per_cell`` may raise, never lower, the INSEE rule of 11 members behind
    every published figure.
    """

    name: str = ""
    monthly_allocation_mona: Decimal = Decimal("100")
    contribution_min_eur: Decimal = Decimal("1")
    contribution_max_eur: Decimal = Decimal("150")
    state_topup_share: Decimal = Decimal("0.5")
    payment_code_ttl_min: float = 10.0
    invitation_ttl_days: int = 30
    centre: tuple[str, ...] = ()
    centre_label: str = "Centre"
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
        name = table.get("name", "")
        if not isinstance(name, str) or len(name) > 120:
            raise DataError(f"{where}: [caisse] name must be text of at most 120 characters")
        label = table.get("centre_label", "Centre")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 60:
            raise DataError(f"{where}: [caisse] centre_label must be text of 1 to 60 "
                            "characters (the centre's name in the Mona flows)")
        return cls(
            name=name,
            monthly_allocation_mona=_decimal(table, "monthly_allocation_mona", "100",
                                             where=where, low="1", high="10000"),
            contribution_min_eur=low, contribution_max_eur=high,
            state_topup_share=_decimal(table, "state_topup_share", "0.5", where=where,
                                       low="0", high="10"),
            payment_code_ttl_min=_number(table, "payment_code_ttl_min", 10, where=where,
                                         low=1, high=1440),
            invitation_ttl_days=int(_number(table, "invitation_ttl_days", 30, where=where,
                                            low=1, high=365)),
            centre=tuple(centre), centre_label=label.strip(), min_members_per_cell=minimum,
            contribution_grid=tuple(grid),
        )

    def indicative_contribution(self, income_uc_eur: Decimal) -> Decimal | None:
        """The grid's contribution for a monthly income per consumption unit, if a grid is set."""
        for step in self.contribution_grid:
            if step.max_income_uc_eur is None or income_uc_eur <= step.max_income_uc_eur:
                return step.contribution_eur
        return None


def _text_of(table: dict[str, Any], key: str, default: str, *, where: str, section: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise DataError(f"{where}: [{section}] {key} must be text, got {value!r}")
    return value


def _file_of(table: dict[str, Any], key: str, folder: Path, *, where: str,
             section: str) -> Path | None:
    value = _text_of(table, key, "", where=where, section=section)
    return folder / value if value else None


@dataclass(frozen=True)
class SearchConfig:
    """``[search]``: what members search, offline (no external geocoder).

    ``addresses`` is a point layer; ``street``, ``number`` and ``suffix`` name its columns
    (street name, house number, "bis"/"ter"...; ``suffix`` may be empty). Optional places:
    ``stops`` (public transport stops, their name in ``stop_name``), ``amenities`` (OSM
    amenities, their type in ``amenity_type``, found by their French name: "poste",
    "mairie"…) and ``aliases`` (a CSV ``alias, neighbourhood_code`` of the common names of
    neighbourhoods: "La Paillade" is Mosson)."""

    addresses: Path
    street: str
    number: str
    suffix: str = ""
    stops: Path | None = None
    stop_name: str = "name"
    amenities: Path | None = None
    amenity_type: str = "amenity"
    aliases: Path | None = None
    example: str = ""  # shown in the search box: an address and a place of the territory

    @classmethod
    def parse(cls, table: dict[str, Any], folder: Path, where: str) -> SearchConfig:
        missing = [k for k in ("addresses", "street", "number") if k not in table]
        if missing:
            raise DataError(f"{where}: [search] needs {', '.join(missing)}")

        def text(key: str, default: str = "") -> str:
            return _text_of(table, key, default, where=where, section="search")

        def file(key: str) -> Path | None:
            return _file_of(table, key, folder, where=where, section="search")

        return cls(folder / text("addresses"), text("street"), text("number"), text("suffix"),
                   stops=file("stops"), stop_name=text("stop_name", "name"),
                   amenities=file("amenities"), amenity_type=text("amenity_type", "amenity"),
                   aliases=file("aliases"), example=text("example"))


@dataclass(frozen=True)
class BaseMapConfig:
    """``[basemap]``: the background every page draws, built from the territory's own data.

    ``streets`` is a line layer of named ways (``street_name``), ranked by ``street_type``:
    the values in ``major_types`` are drawn wide and from the first zoom, the others from
    ``minor_zoom`` on. ``paths = true`` adds the walking network's paths (footways, park
    alleys) where no street runs. ``transit_lines`` (name and colour columns) and
    ``transit_stops`` (name column) draw public transport. Tiles are cut from ``min_zoom``
    to ``max_zoom`` and drawn enlarged beyond, up to zoom 19. A caisse with its own tile
    server sets ``tile_url`` (``…/{z}/{x}/{y}.png``) and ``tile_attribution`` instead.
    ``centre`` (``[lon, lat]``) is where the member map opens, at street zoom.
    """

    streets: Path | None = None
    street_name: str = "name"
    street_type: str = "highway"
    major_types: tuple[str, ...] = ("primary", "secondary", "tertiary", "trunk")
    minor_zoom: int = 14
    paths: bool = True
    transit_lines: Path | None = None
    transit_name: str = "name"
    transit_colour: str = "colour"
    transit_stops: Path | None = None
    stop_name: str = "name"
    min_zoom: int = 12
    max_zoom: int = 16
    tile_url: str = ""
    tile_attribution: str = ""
    centre: tuple[float, float] | None = None  # lon, lat of the member map's first view

    @classmethod
    def parse(cls, table: dict[str, Any], folder: Path, where: str) -> BaseMapConfig:
        def text(key: str, default: str) -> str:
            return _text_of(table, key, default, where=where, section="basemap")

        def file(key: str) -> Path | None:
            return _file_of(table, key, folder, where=where, section="basemap")

        majors = table.get("major_types", list(cls.major_types))
        if not isinstance(majors, list) or not all(isinstance(m, str) for m in majors):
            raise DataError(f"{where}: [basemap] major_types must be a list of texts")
        paths = table.get("paths", True)
        if not isinstance(paths, bool):
            raise DataError(f"{where}: [basemap] paths must be true or false")
        low = int(_number(table, "min_zoom", 12, where=where, low=8, high=16))
        high = int(_number(table, "max_zoom", 16, where=where, low=low, high=17))
        url = text("tile_url", "")
        if url and not (url.startswith(("https://", "http://")) and "{z}" in url):
            raise DataError(f"{where}: [basemap] tile_url must be an http(s) URL with "
                            f"{{z}}/{{x}}/{{y}}, got {url!r}")
        if url and not text("tile_attribution", ""):
            raise DataError(f"{where}: [basemap] tile_url needs tile_attribution (the tiles' "
                            "licence asks for it)")
        centre = table.get("centre")
        if centre is not None and not (
                isinstance(centre, list) and len(centre) == 2
                and all(isinstance(c, int | float) and not isinstance(c, bool) for c in centre)
                and -180 <= centre[0] <= 180 and -90 <= centre[1] <= 90):
            raise DataError(f"{where}: [basemap] centre must be [lon, lat] in degrees, "
                            f"got {centre!r}")
        return cls(streets=file("streets"), street_name=text("street_name", "name"),
                   street_type=text("street_type", "highway"), major_types=tuple(majors),
                   minor_zoom=int(_number(table, "minor_zoom", 14, where=where, low=low,
                                          high=high)),
                   paths=paths, transit_lines=file("transit_lines"),
                   transit_name=text("transit_name", "name"),
                   transit_colour=text("transit_colour", "colour"),
                   transit_stops=file("transit_stops"), stop_name=text("stop_name", "name"),
                   min_zoom=low, max_zoom=high, tile_url=url,
                   tile_attribution=text("tile_attribution", ""),
                   centre=None if centre is None else (float(centre[0]), float(centre[1])))
