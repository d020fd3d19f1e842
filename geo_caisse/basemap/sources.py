"""What the base map draws, read from the territory's own open data, in Web Mercator.

Layers (each a list of geometries in EPSG:3857 with their properties)::

    outline   the territory's outline
    areas     neighbourhood polygons               level (0: the coarsest present), name
    places    one label point per neighbourhood    level, name
    streets   named ways                           name, rank (0 major, 1 other)
    paths     walking paths where no street runs   (none)
    transit   public transport lines               name, colour
    stops     public transport stops               name

Everything comes from the files the territory's ``territory.toml`` names; a missing part
(no streets, no transit) is simply not drawn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString

from geo_caisse.core.crs import WGS84, reproject
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.core.territory import Territory
from geo_caisse.io.readers import load_neighbourhoods_file, read_vector_layers

WEB_MERCATOR = "EPSG:3857"
#: a walking path this close to a street centre-line is that street, not a path (metres)
STREET_SNAP_M = 9.0
#: bump when the layers change meaning, so cached base maps are rebuilt
FORMAT = 2


@dataclass
class Layer:
    """One layer's geometries (EPSG:3857) and their properties."""

    geometries: list[Any] = field(default_factory=list)
    properties: list[dict[str, Any]] = field(default_factory=list)

    def add(self, geometry: Any, **properties: Any) -> None:
        if geometry is not None and not geometry.is_empty:
            self.geometries.append(geometry)
            self.properties.append(properties)


def source_files(territory: Territory) -> list[Path]:
    """Every file the base map is built from (what its cache key reads)."""
    cfg = territory.basemap
    files = [territory.outline_path, territory.layer_paths["neighbourhoods"]]
    files += [p for p in (cfg.streets, cfg.transit_lines, cfg.transit_stops) if p is not None]
    if cfg.paths and territory.network is not None:
        files.append(territory.network.source)
    return files


def cache_key(territory: Territory) -> str:
    """A digest of the base map's sources and settings: a new key means a new base map.

    Of the neighbourhoods it reads only what the map draws (each one's level, name and
    outline): a file whose other properties change (incomes, populations) keeps its map.
    Where the territory's folder lies does not count (its files' contents do): a new
    checkout or a moved install finds its map."""
    settings = repr(territory.basemap).replace(str(territory.directory), "<territory>")
    h = hashlib.sha256(f"basemap v{FORMAT} {settings} "
                       f"{territory.level_codes!r}".encode())
    zones = territory.layer_paths["neighbourhoods"]
    for path in source_files(territory):
        h.update(path.name.encode())
        if path == zones and path.is_file():
            for n, geom in load_neighbourhoods_file(path, territory):
                h.update(f"{n.level}\x1f{n.name}\x1f".encode())
                h.update(shapely.to_wkb(geom))
        elif path.is_file():
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()[:16]


def _to_mercator(geometries: list[Any], crs: str) -> list[Any]:
    arr = np.array(geometries, dtype=object)
    return list(reproject(arr, crs, WEB_MERCATOR)) if len(arr) else []


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_layers(territory: Territory, *, progress: Progress = quiet) -> dict[str, Layer]:
    """Every layer of the base map, in Web Mercator."""
    cfg = territory.basemap
    layers = {name: Layer() for name in ("outline", "areas", "places", "streets", "paths",
                                         "transit", "stops")}
    outline = shapely.union_all(territory.outline.geometry.values)
    layers["outline"].add(reproject(outline, WGS84, WEB_MERCATOR))
    zones = load_neighbourhoods_file(territory.layer_paths["neighbourhoods"], territory)
    # the levels the file holds, in the territory's order (territory.toml levels)
    present = sorted({n.level for n, _ in zones}, key=territory.level_rank)
    for n, geom in zones:
        rank = present.index(n.level)  # 0: the territory's coarsest level
        merc = reproject(geom, WGS84, WEB_MERCATOR)
        layers["areas"].add(merc, level=rank, name=n.name)
        layers["places"].add(merc.representative_point(), level=rank, name=n.name)
    requests: list[tuple[Path, tuple[str, ...]]] = []
    if cfg.streets is not None:
        requests.append((cfg.streets, (cfg.street_name, cfg.street_type)))
    if cfg.transit_lines is not None:
        requests.append((cfg.transit_lines, (cfg.transit_name, cfg.transit_colour)))
    if cfg.transit_stops is not None:
        requests.append((cfg.transit_stops, (cfg.stop_name,)))
    progress(f"base map: reading {len(requests)} layer(s) of {territory.name}…")
    read = iter(read_vector_layers(requests))
    if cfg.streets is not None:
        streets = next(read)
        majors = set(cfg.major_types)
        # a street is cut at every crossing: its pieces joined back, so that its name fits
        pieces: dict[tuple[str, int], list[Any]] = {}
        for geom, name, kind in zip(_to_mercator(streets.geometries, streets.crs),
                                    streets.columns[cfg.street_name],
                                    streets.columns[cfg.street_type], strict=True):
            if geom is not None and not geom.is_empty:
                key = (_text(name), 0 if _text(kind) in majors else 1)
                pieces.setdefault(key, []).append(geom)
        for (name, rank), parts in sorted(pieces.items()):
            joined = shapely.line_merge(shapely.union_all(parts)) if name else \
                shapely.union_all(parts)
            for line in getattr(joined, "geoms", [joined]):
                layers["streets"].add(line, name=name, rank=rank)
    if cfg.transit_lines is not None:
        lines = next(read)
        for geom, name, colour in zip(_to_mercator(lines.geometries, lines.crs),
                                      lines.columns[cfg.transit_name],
                                      lines.columns[cfg.transit_colour], strict=True):
            layers["transit"].add(geom, name=_text(name), colour=_text(colour) or "#444444")
    if cfg.transit_stops is not None:
        stops = next(read)
        seen: dict[str, list[Any]] = {}
        for geom, name in zip(_to_mercator(stops.geometries, stops.crs),
                              stops.columns[cfg.stop_name], strict=True):
            label = _text(name)
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            # a stop's platforms and directions: one point within 60 m is enough
            if label and any(point.distance(p) < 60 for p in seen.get(label, [])):
                continue
            seen.setdefault(label, []).append(point)
            layers["stops"].add(point, name=label)
    if cfg.paths and territory.network is not None:
        progress("base map: walking paths from the network…")
        for geom in _paths(territory, layers["streets"].geometries):
            layers["paths"].add(geom)
    return layers


def _paths(territory: Territory, streets: list[Any]) -> list[Any]:
    """The walking network's ways that no street centre-line follows (paths, alleys)."""
    from geo_caisse.walk.network import graph_from_source

    assert territory.network is not None
    graph = graph_from_source(territory.network.source)
    seen: set[frozenset[Any]] = set()
    lines = []
    for u, v, data in graph.edges(data=True):
        key = frozenset((u, v))
        if key in seen:
            continue
        seen.add(key)
        geom = data.get("geometry")
        if geom is None:
            a, b = graph.nodes[u], graph.nodes[v]
            geom = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        lines.append(geom)
    merc = _to_mercator(lines, WGS84)
    if not streets or not merc:
        return merc
    tree = shapely.STRtree(streets)
    probes = np.array(merc, dtype=object)
    # a path is a street when its middle and both quarter points lie on one
    near = np.ones(len(probes), dtype=bool)
    for fraction in (0.25, 0.5, 0.75):
        points = shapely.line_interpolate_point(probes, fraction, normalized=True)
        hit = np.zeros(len(probes), dtype=bool)
        idx, _ = tree.query(points, predicate="dwithin", distance=STREET_SNAP_M)
        hit[idx] = True
        near &= hit
    return [g for g, is_street in zip(merc, near, strict=True) if not is_street]


__all__ = ["FORMAT", "WEB_MERCATOR", "Layer", "cache_key", "read_layers",
           "source_files"]
