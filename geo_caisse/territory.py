"""A territory is configuration plus data: a folder holding ``territory.toml``.

The bundled default is Montpellier (``data/montpellier``); another caisse points
``GEO_CAISSE_TERRITORY_DIR`` at its own folder with the same layout.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_caisse._errors import DataError, OutOfTerritoryError
from geo_caisse.crs import WGS84, check_lon_lat, check_metric, lonlat_to_metric

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import ArrayLike, NDArray

LAYERS = ("neighbourhoods", "points_of_sale", "markets")


def _section(config: dict[str, Any], key: str, where: Path) -> dict[str, Any]:
    value = config.get(key, {})
    if not isinstance(value, dict):
        raise DataError(f"{where}: [{key}] must be a table")
    return value


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


@dataclass(frozen=True)
class Territory:
    """The caisse's area and where its data lives."""

    directory: Path
    code: str
    name: str
    metric_crs: str
    outline_path: Path
    layer_paths: dict[str, Path]
    import_margin_m: float
    attribution: str
    network: NetworkConfig | None = None
    population: PopulationConfig | None = None
    access: AccessConfig = AccessConfig()
    caisse: CaisseConfig = CaisseConfig()
    # [enrolment] strata: estimated adults per neighbourhood and draw stratum (CSV)
    strata_path: Path | None = None
    # [search]: address points for the offline search, and their columns
    search: SearchConfig | None = None

    @classmethod
    def from_dir(cls, directory: Path | str) -> Territory:
        """Read ``territory.toml`` in ``directory``."""
        folder = Path(directory)
        config_path = folder / "territory.toml"
        if not config_path.is_file():
            raise DataError(f"no territory.toml in {folder} (GEO_CAISSE_TERRITORY_DIR)")
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{config_path}: not valid TOML: {exc}") from exc
        missing = [k for k in ("code", "name", "outline", "layers") if k not in config]
        if missing:
            raise DataError(f"{config_path}: missing key(s) {', '.join(missing)}")
        layers = {name: folder / path for name, path in config["layers"].items()}
        unknown = sorted(set(layers) - set(LAYERS))
        if unknown:
            raise DataError(f"{config_path}: unknown layer(s) {unknown}; known: {list(LAYERS)}")
        metric_crs = str(config.get("metric_crs", "EPSG:2154"))
        check_metric(metric_crs)
        network = _section(config, "network", config_path)
        population = _section(config, "population", config_path)
        enrolment = _section(config, "enrolment", config_path)
        search = _section(config, "search", config_path)
        if "strata" in enrolment and not isinstance(enrolment["strata"], str):
            raise DataError(f"{config_path}: [enrolment] strata must be a file name")
        return cls(
            directory=folder,
            code=str(config["code"]),
            name=str(config["name"]),
            metric_crs=metric_crs,
            outline_path=folder / config["outline"],
            layer_paths=layers,
            import_margin_m=float(config.get("import_margin_m", 0.0)),
            attribution=str(config.get("attribution", "")),
            network=NetworkConfig.parse(network, folder, str(config_path)) if network else None,
            population=PopulationConfig.parse(population, folder, str(config_path))
            if population else None,
            access=AccessConfig.parse(_section(config, "accessibility", config_path),
                                      str(config_path)),
            caisse=CaisseConfig.parse(_section(config, "caisse", config_path),
                                      str(config_path)),
            strata_path=folder / enrolment["strata"] if "strata" in enrolment else None,
            search=SearchConfig.parse(search, folder, str(config_path)) if search else None,
        )

    @cached_property
    def outline(self) -> gpd.GeoDataFrame:
        """The territory's outline in WGS84."""
        import geopandas as gpd

        if not self.outline_path.is_file():
            raise DataError(f"territory outline {self.outline_path} not found")
        gdf = gpd.read_file(self.outline_path)
        if gdf.crs is None:
            raise DataError(f"territory outline {self.outline_path} has no CRS")
        return gdf.to_crs(WGS84)

    @cached_property
    def _metric_area(self) -> BaseGeometry:
        """The outline in the metric CRS, buffered by ``import_margin_m``, prepared."""
        geom = shapely.union_all(self.outline.to_crs(self.metric_crs).geometry.values)
        if self.import_margin_m > 0:
            geom = geom.buffer(self.import_margin_m)
        shapely.prepare(geom)
        return geom

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(min lon, min lat, max lon, max lat)`` of the outline."""
        minx, miny, maxx, maxy = self.outline.total_bounds
        return float(minx), float(miny), float(maxx), float(maxy)

    def contains(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
        """Which WGS84 points fall in the territory (plus its import margin)."""
        x, y = lonlat_to_metric(lon, lat, metric_crs=self.metric_crs)
        return np.asarray(shapely.contains_xy(self._metric_area, x, y), dtype=bool)

    def check_inside(self, lon: float, lat: float, *, name: str = "point") -> None:
        """Raise :class:`OutOfTerritoryError` unless ``lon``/``lat`` fall in the territory."""
        check_lon_lat(lon, lat, name=name)
        if not bool(self.contains([lon], [lat])[0]):
            hint = ""
            if -90 <= lon <= 90 and bool(self.contains([lat], [lon])[0]):
                hint = " (longitude and latitude look swapped)"
            raise OutOfTerritoryError(
                f"{name}: lon={lon:g}, lat={lat:g} is outside the territory {self.name}{hint}"
            )
