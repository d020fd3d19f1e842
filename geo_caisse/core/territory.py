"""A territory is configuration plus data: a folder holding ``territory.toml``.

The bundled default is Montpellier (``data/montpellier``); another caisse points
``GEO_CAISSE_TERRITORY_DIR`` at its own folder with the same layout.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_caisse.core.budget import BudgetConfig
from geo_caisse.core.config import (
    AccessConfig,
    BaseMapConfig,
    CaisseConfig,
    NetworkConfig,
    PopulationConfig,
    SearchConfig,
)
from geo_caisse.core.criteria import Criteria
from geo_caisse.core.crs import WGS84, check_lon_lat, check_metric, lonlat_to_metric
from geo_caisse.core.errors import DataError, OutOfTerritoryError, ValidationError
from geo_caisse.core.levels import Level, levels_in_file, parse_levels

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import ArrayLike, NDArray


LAYERS = ("neighbourhoods", "points_of_sale", "markets")


def _section(config: dict[str, Any], key: str, where: Path) -> dict[str, Any]:
    value = config.get(key, {})
    if not isinstance(value, dict):
        raise DataError(f"{where}: [{key}] must be a table")
    return value


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
    access: AccessConfig = field(default_factory=AccessConfig)
    caisse: CaisseConfig = field(default_factory=CaisseConfig)
    # [enrolment] strata: estimated adults per neighbourhood and draw stratum (CSV)
    strata_path: Path | None = None
    # [search]: address points for the offline search, and their columns
    search: SearchConfig | None = None
    # the local time of the territory's places (opening hours are read in it)
    timezone: str = "Europe/Paris"
    # [basemap]: the background of every page, from the territory's own data
    basemap: BaseMapConfig = field(default_factory=BaseMapConfig)
    # [conventionnement]: the committee's criteria
    criteria: Criteria = field(default_factory=Criteria)
    # [budget]: the budget planner's defaults and reference
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    # levels of the zoning, coarse to fine (``levels`` and ``[level_labels]``)
    levels: tuple[Level, ...] = ()

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
        timezone = str(config.get("timezone", "Europe/Paris"))
        try:
            ZoneInfo(timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise DataError(f"{config_path}: unknown timezone {timezone!r} (e.g. "
                            "Europe/Paris, Indian/Reunion)") from None
        network = _section(config, "network", config_path)
        population = _section(config, "population", config_path)
        enrolment = _section(config, "enrolment", config_path)
        search = _section(config, "search", config_path)
        basemap = _section(config, "basemap", config_path)
        if "strata" in enrolment and not isinstance(enrolment["strata"], str):
            raise DataError(f"{config_path}: [enrolment] strata must be a file name")
        present = [] if "levels" in config or "neighbourhoods" not in layers \
            else levels_in_file(layers["neighbourhoods"])
        levels = parse_levels(config, where=str(config_path), present=present)
        finest = levels[-1].code if levels else None
        return cls(
            directory=folder,
            code=str(config["code"]),
            name=str(config["name"]),
            metric_crs=metric_crs,
            timezone=timezone,
            outline_path=folder / config["outline"],
            layer_paths=layers,
            import_margin_m=float(config.get("import_margin_m", 0.0)),
            attribution=str(config.get("attribution", "")),
            network=NetworkConfig.parse(network, folder, str(config_path)) if network else None,
            population=PopulationConfig.parse(population, folder, str(config_path),
                                              default_level=finest)
            if population else None,
            access=AccessConfig.parse(_section(config, "accessibility", config_path),
                                      str(config_path)),
            caisse=CaisseConfig.parse(_section(config, "caisse", config_path),
                                      str(config_path)),
            strata_path=folder / enrolment["strata"] if "strata" in enrolment else None,
            search=SearchConfig.parse(search, folder, str(config_path)) if search else None,
            basemap=BaseMapConfig.parse(basemap, folder, str(config_path)),
            criteria=Criteria.parse(_section(config, "conventionnement", config_path),
                                    str(config_path)),
            budget=BudgetConfig.parse(_section(config, "budget", config_path),
                                      str(config_path)),
            levels=levels,
        )

    @property
    def level_codes(self) -> tuple[str, ...]:
        """The codes of the levels, coarse to fine."""
        return tuple(level.code for level in self.levels)

    @property
    def coarsest(self) -> Level:
        """The coarsest level (the communes, most often)."""
        if not self.levels:
            raise DataError(f"territory {self.name}: no level of neighbourhoods")
        return self.levels[0]

    @property
    def finest(self) -> Level:
        """The finest level (IRIS, sous-quartiers…)."""
        if not self.levels:
            raise DataError(f"territory {self.name}: no level of neighbourhoods")
        return self.levels[-1]

    def level(self, code: str, *, name: str = "level") -> Level:
        """The level ``code``; a :class:`ValidationError` naming the levels otherwise."""
        for level in self.levels:
            if level.code == code:
                return level
        raise ValidationError(f"{name}: {code!r} is not a level of the territory "
                              f"{self.name}; its levels are "
                              f"{', '.join(self.level_codes) or 'none'}")

    def level_label(self, code: str, *, many: bool = False) -> str:
        """The French name of the level ``code`` (plural with ``many``)."""
        level = self.level(code)
        return level.many if many else level.one

    def level_rank(self, code: str) -> int:
        """0 for the coarsest level, then 1, 2…; after every level for an unknown one."""
        codes = self.level_codes
        return codes.index(code) if code in codes else len(codes)

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
