"""Coordinate reference systems: WGS84 for I/O, a metric CRS (Lambert-93 by default) for maths.

CRS discipline is stricter than geopandas': a layer without a CRS, a CRS that
cannot be resolved, or planar maths asked of a geographic layer raises
:class:`~geo_caisse.core.errors.CRSError` instead of warning.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from geo_caisse.core.errors import CRSError, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import ArrayLike, NDArray

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"


def parse_crs(value: object, *, name: str = "crs") -> CRS:
    """Resolve ``value`` (``"EPSG:2154"``, an int, WKT, a :class:`pyproj.CRS`) or raise.

    >>> parse_crs("EPSG:2154").to_epsg()
    2154
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CRSError(f"{name}: no CRS given")
    try:
        return CRS.from_user_input(value)
    except (PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(f"{name}: unknown CRS {value!r}") from exc


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    """A cached ``always_xy`` transformer between two CRS given as strings."""
    return _transformer(parse_crs(src).to_string(), parse_crs(dst).to_string())


def check_lon_lat(lon: float, lat: float, *, name: str = "point") -> None:
    """Raise unless ``lon``/``lat`` are finite WGS84 degrees.

    >>> check_lon_lat(3.87, 43.61)
    >>> check_lon_lat(200, 43)
    Traceback (most recent call last):
    ...
    geo_caisse.core.errors.ValidationError: point: longitude 200 is outside [-180, 180]
    """
    for label, value in (("longitude", lon), ("latitude", lat)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(f"{name}: {label} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValidationError(f"{name}: {label} is not a finite number ({value!r})")
    if not -180 <= lon <= 180:
        raise ValidationError(f"{name}: longitude {lon:g} is outside [-180, 180]")
    if not -90 <= lat <= 90:
        raise ValidationError(f"{name}: latitude {lat:g} is outside [-90, 90]")


def lonlat_to_metric(
    lon: ArrayLike, lat: ArrayLike, *, metric_crs: str = LAMBERT93
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project WGS84 lon/lat arrays to a projected metric CRS (metres)."""
    check_metric(metric_crs)
    x, y = transformer(WGS84, metric_crs).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def check_metric(crs: object) -> CRS:
    """Raise unless ``crs`` is a projected CRS whose unit is the metre."""
    if isinstance(crs, str):
        return _check_metric_name(crs)
    return _check_metric(crs)


@lru_cache(maxsize=64)
def _check_metric_name(crs: str) -> CRS:
    return _check_metric(crs)


def _check_metric(crs: object) -> CRS:
    parsed = parse_crs(crs)
    if not parsed.is_projected:
        raise CRSError(f"planar maths needs a projected CRS in metres, got {parsed.to_string()}")
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else ""
    if unit not in ("metre", "meter"):
        raise CRSError(f"planar maths needs metres, {parsed.to_string()} is in {unit!r}")
    return parsed


def require_crs(gdf: gpd.GeoDataFrame, *, name: str = "layer") -> CRS:
    """Return the layer's CRS or raise when it has none."""
    if gdf.crs is None:
        raise CRSError(f"{name}: the layer has no CRS")
    return parse_crs(gdf.crs, name=name)


def to_metric(gdf: gpd.GeoDataFrame, metric_crs: str = LAMBERT93, *, name: str = "layer") -> (
    gpd.GeoDataFrame
):
    """Reproject a layer (which must carry a CRS) to the metric CRS."""
    require_crs(gdf, name=name)
    check_metric(metric_crs)
    return gdf.to_crs(metric_crs)


def to_wgs84(gdf: gpd.GeoDataFrame, *, name: str = "layer") -> gpd.GeoDataFrame:
    """Reproject a layer (which must carry a CRS) to WGS84 lon/lat."""
    require_crs(gdf, name=name)
    return gdf.to_crs(WGS84)


def reproject(geometry: Any, src: str, dst: str) -> Any:
    """A shapely geometry (or array of them) from ``src`` to ``dst`` (``always_xy``)."""
    import shapely

    forward = transformer(src, dst)

    def move(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)
