"""GDAL (pyogrio) work, each task run in a spawned process.

GDAL's wheel bundles its own SQLite; in a process where sqlite3 has loaded mod_spatialite
the two libraries collide (GeoPackage writes crash). A spawned process keeps them apart.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import shapely

from geo_caisse.core.crs import WGS84
from geo_caisse.core.errors import ValidationError

_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a GDAL (pyogrio) task in a spawned process, kept for the next tasks.

    GDAL's wheel bundles its own SQLite; in a process where sqlite3 has loaded
    mod_spatialite the two libraries collide (GeoPackage writes crash). A spawned
    process keeps them apart; it is started at the first task (about half a second of
    imports) and reused after, and replaced if it dies.
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_follow_parent, initargs=(os.getpid(),))
        pool = _POOL
    try:
        return pool.submit(fn, *args).result()
    except BrokenProcessPool:
        with _POOL_LOCK:
            if _POOL is pool:
                _POOL = None
        pool.shutdown(wait=False)
        raise


def _follow_parent(parent: int) -> None:
    """In a GDAL process: end when the process that started it is gone (killed, or ended
    without shutting its pool down), never lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="gdal-parent-watch", daemon=True).start()


def _hide(message: str, path: str, source: str) -> str:
    """GDAL's message without the server's own path (a temporary file's name)."""
    for where in (path, os.path.dirname(path)):
        if where:
            message = message.replace(where, source)
    return message[:200]


def read_gpkg(path: str, source: str, layer: str | None = None
              ) -> tuple[list[dict[str, Any]], list[bytes | None], str | None]:
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(f"{source}: not a readable GeoPackage "
                              f"({_hide(str(exc), path, source)})") from None
    if layer is None and len(layers) > 1:
        raise ValidationError(f"{source}: the GeoPackage holds {len(layers)} layers "
                              f"({', '.join(layers[:10])}): name the one to import "
                              "(--layer, or ?gpkg_layer= over HTTP)")
    if layer is not None and layer not in layers:
        raise ValidationError(f"{source}: no layer {layer[:60]!r}; it holds "
                              f"{', '.join(layers[:10]) or 'none'}")
    try:
        info = pyogrio.read_info(path, layer=layer)
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(f"{source}: not a readable GeoPackage "
                              f"({_hide(str(exc), path, source)})") from None
    crs = info.get("crs")
    props = [{k: (None if is_nan(v) else v) for k, v in rec.items()}
             for rec in gdf.drop(columns="geometry").to_dict(orient="records")]
    wkbs = [None if g is None else shapely.to_wkb(g) for g in gdf.geometry]
    return props, wkbs, None if crs is None else str(crs)


def read_points(path: str, columns: tuple[str, ...]) -> tuple[Any, Any, str | None,
                                                                 dict[str, Any], list[str]]:
    import numpy as np
    import pyogrio

    try:
        info = pyogrio.read_info(path)
        gdf = pyogrio.read_dataframe(path, columns=list(columns))
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(f"{path}: not a readable vector file ({exc})") from None
    present = [c for c in columns if c in gdf.columns]
    geoms = gdf.geometry.values
    kinds = sorted({str(t) for t in shapely.get_type_id(geoms).tolist()})
    pts = geoms if kinds == ["0"] else shapely.centroid(geoms)
    x = np.asarray(shapely.get_x(pts), dtype=float)
    y = np.asarray(shapely.get_y(pts), dtype=float)
    cols = {c: gdf[c].to_numpy() for c in present}
    crs = info.get("crs")
    return x, y, None if crs is None else str(crs), cols, present


def read_geometries(requests: list[tuple[str, tuple[str, ...]]]
                    ) -> list[tuple[list[bytes | None], str | None, dict[str, list[Any]],
                                    list[str]]]:
    """Several vector files at once (one process): each file's geometries as WKB, its CRS,
    the wanted columns that it has (values as Python objects) and their names."""
    import pyogrio

    out = []
    for path, columns in requests:
        try:
            info = pyogrio.read_info(path)
            present = [c for c in columns if c in list(info["fields"])]
            gdf = pyogrio.read_dataframe(path, columns=present)
        except Exception as exc:  # pyogrio's DataSourceError and friends
            raise ValidationError(f"{path}: not a readable vector file ({exc})") from None
        wkbs = [None if g is None else shapely.to_wkb(g) for g in gdf.geometry]
        cols = {c: [None if is_nan(v) else v for v in gdf[c].tolist()] for c in present}
        crs = info.get("crs")
        out.append((wkbs, None if crs is None else str(crs), cols, present))
    return out


def write_gpkg(records: list[dict[str, Any]], lonlat: list[tuple[float, float]],
                       columns: list[str], path: str, layer: str) -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(records, columns=columns,
                           geometry=[shapely.Point(x, y) for x, y in lonlat], crs=WGS84)
    gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)
