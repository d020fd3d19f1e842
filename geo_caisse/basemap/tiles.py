"""The base map as vector tiles: cut once from the territory's layers, kept as a PMTiles
archive in the cache folder, served from memory.

Tiles follow the XYZ scheme of Web Mercator and hold Mapbox Vector Tile layers (see
:mod:`geo_caisse.basemap.sources`), gzip-compressed. The pages draw them with
protomaps-leaflet, whose data tiles are 512 px (one zoom level below the display's): data
zooms ``min_zoom - 1`` to ``max_zoom`` serve the display from ``min_zoom`` on, drawn
enlarged beyond ``max_zoom + 1``.
"""

from __future__ import annotations

import fcntl
import gzip
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo_caisse.basemap.sources import Layer, cache_key, read_layers
from geo_caisse.core.errors import DataError
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.core.territory import Territory

ORIGIN = 20037508.342789244  # half the Web Mercator world, metres
EXTENT = 4096
BUFFER_PX = 64               # of EXTENT: lines and labels cross tile edges unbroken
#: what each layer holds at each data zoom (streets of rank 1 follow ``minor_zoom``)
MIN_ZOOM = {"outline": 0, "areas": 0, "places": 0, "streets": 0, "transit": 0,
            "stops": 13, "paths": 15}


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """``(minx, miny, maxx, maxy)`` of an XYZ tile in Web Mercator metres."""
    size = 2 * ORIGIN / (1 << z)
    return (-ORIGIN + x * size, ORIGIN - (y + 1) * size, -ORIGIN + (x + 1) * size,
            ORIGIN - y * size)


def tile_range(z: int, bounds: tuple[float, float, float, float]) -> tuple[range, range]:
    """The x and y of the tiles at zoom ``z`` covering mercator ``bounds``."""
    size = 2 * ORIGIN / (1 << z)
    last = (1 << z) - 1
    x0 = max(0, math.floor((bounds[0] + ORIGIN) / size))
    x1 = min(last, math.floor((bounds[2] + ORIGIN) / size))
    y0 = max(0, math.floor((ORIGIN - bounds[3]) / size))
    y1 = min(last, math.floor((ORIGIN - bounds[1]) / size))
    return range(x0, x1 + 1), range(y0, y1 + 1)


class _Indexed:
    """A layer with a spatial index and its geometries simplified per zoom."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.geoms = np.array(layer.geometries, dtype=object)
        self.tree = shapely.STRtree(self.geoms) if len(self.geoms) else None
        self._simplified: dict[int, Any] = {}

    def at(self, z: int) -> Any:
        if z not in self._simplified:
            # half a screen pixel: a data tile is drawn 512 px wide
            tolerance = 2 * ORIGIN / (1 << z) / 1024
            self._simplified[z] = shapely.simplify(self.geoms, tolerance,
                                                   preserve_topology=True)
        return self._simplified[z]


def _keep(name: str, props: dict[str, Any], z: int, minor_zoom: int) -> bool:
    if z < MIN_ZOOM[name]:
        return False
    if name == "streets" and props["rank"] > 0:
        return z >= minor_zoom - 1
    if name in ("areas", "places"):
        return bool(props["level"] <= max(0, z - 11))  # finer levels as one zooms in
    return True


def encode_tile(layers: dict[str, _Indexed], z: int, x: int, y: int, *,
                minor_zoom: int) -> bytes:
    """One tile (MVT, uncompressed), empty bytes when nothing falls in it."""
    import mapbox_vector_tile
    from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid

    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    size = maxx - minx
    pad = size * BUFFER_PX / EXTENT
    clip = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)

    def to_tile(coords: Any) -> Any:
        return np.column_stack([(coords[:, 0] - minx) / size * EXTENT,
                                (coords[:, 1] - miny) / size * EXTENT])

    out = []
    for name, indexed in layers.items():
        if indexed.tree is None or z < MIN_ZOOM[name]:
            continue
        hits = indexed.tree.query(clip, predicate="intersects")
        if not len(hits):
            continue
        simplified = indexed.at(z)
        features = []
        for i in sorted(hits.tolist()):
            props = indexed.layer.properties[i]
            if not _keep(name, props, z, minor_zoom):
                continue
            geom = simplified[i]
            if geom.geom_type not in ("Point", "MultiPoint"):
                geom = shapely.clip_by_rect(geom, *clip.bounds)
                if geom.is_empty:
                    continue
            features.append({"geometry": shapely.transform(geom, to_tile),
                             "properties": props})
        if features:
            out.append({"name": name, "features": features})
    if not out:
        return b""
    data: bytes = mapbox_vector_tile.encode(out, default_options={
        "extents": EXTENT, "on_invalid_geometry": on_invalid_geometry_make_valid})
    return data


def build_archive(territory: Territory, path: Path, *, progress: Progress = quiet) -> int:
    """Cut every tile of the territory's base map into a PMTiles archive at ``path``
    (written to a temporary file, then renamed); how many tiles hold something."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    cfg = territory.basemap
    layers = {name: _Indexed(layer) for name, layer in read_layers(
        territory, progress=progress).items()}
    everything = [g for ix in layers.values() for g in ix.layer.geometries]
    if not everything:
        raise DataError(f"territory {territory.code}: nothing to draw on the base map")
    bounds = shapely.total_bounds(np.array(everything, dtype=object))
    zooms = range(max(0, cfg.min_zoom - 2), cfg.max_zoom + 1)
    tiles: list[tuple[int, bytes]] = []
    for z in zooms:
        xs, ys = tile_range(z, tuple(float(b) for b in bounds))  # type: ignore[arg-type]
        for tx in xs:
            for ty in ys:
                body = encode_tile(layers, z, tx, ty, minor_zoom=cfg.minor_zoom)
                if body:
                    tiles.append((zxy_to_tileid(z, tx, ty), gzip.compress(body, mtime=0)))
        progress(f"base map: zoom {z} cut ({len(tiles):,} tiles so far)")
    tiles.sort()
    lon0, lat0 = _lonlat(bounds[0], bounds[1])
    lon1, lat1 = _lonlat(bounds[2], bounds[3])
    # a name of this process's own: two processes building the same archive never clash
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with open(tmp, "wb") as fh:
        writer = Writer(fh)
        for tile_id, body in tiles:
            writer.write_tile(tile_id, body)
        writer.finalize({
            "tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
            "min_lon_e7": int(lon0 * 1e7), "min_lat_e7": int(lat0 * 1e7),
            "max_lon_e7": int(lon1 * 1e7), "max_lat_e7": int(lat1 * 1e7),
            "center_zoom": cfg.min_zoom + 2, "center_lon_e7": int((lon0 + lon1) / 2 * 1e7),
            "center_lat_e7": int((lat0 + lat1) / 2 * 1e7),
        }, {"name": f"geo_caisse base map of {territory.name}",
            "attribution": territory.attribution,
            "vector_layers": [{"id": name} for name in layers]})
    tmp.replace(path)
    return len(tiles)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon = x / ORIGIN * 180.0
    lat = math.degrees(2 * math.atan(math.exp(y / ORIGIN * math.pi)) - math.pi / 2)
    return lon, lat


@dataclass(frozen=True)
class BaseMap:
    """The base map's tiles, in memory (a city's archive is a few MB)."""

    tiles: dict[tuple[int, int, int], bytes]
    min_zoom: int
    max_zoom: int
    source: Path

    @classmethod
    def load(cls, path: Path) -> BaseMap:
        """Read a PMTiles archive whole."""
        from pmtiles.reader import MemorySource, all_tiles

        data = path.read_bytes()
        tiles = {(z, x, y): body for (z, x, y), body in all_tiles(MemorySource(data))}
        zooms = [z for z, _, _ in tiles] or [0]
        return cls(tiles, min(zooms), max(zooms), path)

    def tile(self, z: int, x: int, y: int) -> bytes:
        """A tile's gzip-compressed MVT bytes; empty bytes where there is nothing."""
        return self.tiles.get((z, x, y), b"")


_building = threading.Lock()
#: archives read, by path, size and modification time: every app of a process (the tests
#: start hundreds) shares one copy of an unchanged archive
_read: dict[tuple[str, int, int], BaseMap] = {}


def archive_path(territory: Territory, cache_dir: Path) -> Path:
    """Where the territory's base map is cached (keyed by its sources' content)."""
    return cache_dir / f"basemap-{territory.code}-{cache_key(territory)}.pmtiles"


def load_basemap(territory: Territory, *, cache_dir: Path,
                 progress: Progress = quiet) -> BaseMap:
    """The territory's base map, from the cache, or cut (once) and cached."""
    path = archive_path(territory, cache_dir)
    with _building:
        if not path.is_file():
            cache_dir.mkdir(parents=True, exist_ok=True)
            # one process cuts it, the others (server workers, commands) wait and read it
            with open(path.with_name(f".{path.name}.lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    if not path.is_file():
                        progress(f"building the base map of {territory.name} "
                                 "(cached afterwards)…")
                        count = build_archive(territory, path, progress=progress)
                        os.chmod(path, 0o644)
                        progress(f"base map: {count:,} tiles in {path.name}")
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        basemap = _read.get(key)
        if basemap is None:
            basemap = BaseMap.load(path)
            if len(_read) >= 4:
                _read.clear()
            _read[key] = basemap
    return basemap


class LazyBaseMap:
    """:func:`load_basemap` at the first tile asked for, not at start-up (thread-safe)."""

    def __init__(self, territory: Territory, *, cache_dir: Path,
                 progress: Progress = quiet) -> None:
        self.territory, self.cache_dir, self.progress = territory, cache_dir, progress
        self._basemap: BaseMap | None = None
        self._lock = threading.Lock()

    def get(self) -> BaseMap:
        with self._lock:
            if self._basemap is None:
                self._basemap = load_basemap(self.territory, cache_dir=self.cache_dir,
                                             progress=self.progress)
            return self._basemap


__all__ = ["EXTENT", "BaseMap", "LazyBaseMap", "archive_path", "build_archive", "encode_tile",
           "load_basemap", "tile_bounds", "tile_range"]
