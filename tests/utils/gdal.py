"""Helpers that run in a spawned process (see geo_caisse.io._gdal.call)."""

from __future__ import annotations

from typing import Any


def write_gpkg(records: list[dict[str, Any]], lonlat: list[tuple[float, float]],
               crs: str | None, to_crs: str | None, path: str) -> None:
    import warnings

    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame(records, geometry=[shapely.Point(x, y) for x, y in lonlat], crs=crs)
    if to_crs:
        gdf = gdf.to_crs(to_crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "crs was not provided" is the point
        gdf.to_file(path, driver="GPKG", engine="pyogrio")


def write_gpkg_layers(layers: dict[str, list[tuple[dict[str, Any], tuple[float, float]]]],
                      path: str) -> None:
    """A GeoPackage (WGS84) with one point layer per name: ``{name: [(record, lonlat)]}``."""
    import geopandas as gpd
    import shapely

    for name, rows in layers.items():
        gdf = gpd.GeoDataFrame([r for r, _ in rows],
                               geometry=[shapely.Point(*xy) for _, xy in rows], crs="EPSG:4326")
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
