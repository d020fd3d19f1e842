"""The walking network: built once with osmnx from local files, kept as compact arrays.

A territory names its network source in ``territory.toml`` (``[network] source``): an
osmnx GraphML (``.graphml``/``.graphml.gz``) or an OSM extract (``.osm``, ``.osm.bz2``,
``.osm.gz``; ``.osm.pbf`` with pyosmium installed). Nothing is downloaded. The graph is
simplified, reduced to its largest strongly connected component, projected to the
territory's metric CRS (Lambert-93) and stored as CSR arrays in a ``.npz`` file under the
cache directory, keyed by the source file's content, so ``serve`` loads it in milliseconds
instead of re-parsing XML or GraphML.

osmnx and networkx are imported only when a network is built from its source.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo_caisse.core.crs import WGS84, check_metric, transformer
from geo_caisse.core.errors import DataError, ValidationError
from geo_caisse.core.progress import Progress, quiet

if TYPE_CHECKING:
    import networkx as nx
    from scipy.spatial import cKDTree

#: bump when the cached arrays change meaning, so old caches are rebuilt
CACHE_FORMAT = 1

#: OSM ``highway`` values nobody walks along (osmnx's "walk" filter, applied to a local file)
NOT_WALKABLE = frozenset({
    "abandoned", "bus_guideway", "construction", "cycleway", "motor", "motorway",
    "motorway_link", "no", "planned", "platform", "proposed", "raceway", "razed", "trunk",
    "trunk_link", "bus_stop", "elevator", "escape",
})


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """A directed walking graph in a metric CRS, as CSR arrays.

    ``indptr``/``indices``/``length_m`` hold the edges leaving each node (walking from
    ``u`` to ``v``); parallel edges are reduced to the shortest and self-loops dropped.
    """

    crs: str
    node_id: NDArray[np.int64]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    length_m: NDArray[np.float64]
    source: str = ""

    def __post_init__(self) -> None:
        check_metric(self.crs)
        n = self.node_id.shape[0]
        if not (self.x_m.shape == self.y_m.shape == (n,)) or self.indptr.shape != (n + 1,):
            raise DataError("walk network arrays have inconsistent lengths")
        if self.indices.shape != self.length_m.shape or self.indptr[-1] != self.indices.size:
            raise DataError("walk network edge arrays have inconsistent lengths")
        if n and (self.indices.min(initial=0) < 0 or self.indices.max(initial=0) >= n):
            raise DataError("walk network edge points to a node that does not exist")
        if self.length_m.size and not (np.all(np.isfinite(self.length_m))
                                       and self.length_m.min() >= 0):
            raise DataError("walk network has a negative or non-finite edge length")

    # -- sizes and derived arrays ------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.node_id.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.indices.shape[0])

    @property
    def total_length_km(self) -> float:
        """Length of the street segments: each two-way segment counted once."""
        return float(self.length_m.sum()) / (2000.0 if self.is_symmetric else 1000.0)

    @cached_property
    def tails(self) -> NDArray[np.int32]:
        """The start node of every edge (the CSR row, expanded)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def reversed(self) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
        """CSR arrays of the reversed graph: the edges arriving at each node."""
        return _csr(self.indices, self.tails, self.length_m, self.n_nodes)

    @cached_property
    def is_symmetric(self) -> bool:
        """Whether every edge ``u→v`` has a twin ``v→u`` of the same length."""
        r_indptr, r_indices, r_len = self.reversed
        return bool(np.array_equal(r_indptr, self.indptr)
                    and np.array_equal(r_indices, self.indices)
                    and np.allclose(r_len, self.length_m))

    @cached_property
    def kdtree(self) -> cKDTree:
        from scipy.spatial import cKDTree

        return cKDTree(np.column_stack([self.x_m, self.y_m]))

    def snap(self, x_m: ArrayLike, y_m: ArrayLike) -> tuple[NDArray[np.int32],
                                                              NDArray[np.float64]]:
        """Nearest node of each metric point and the straight distance to it, in metres."""
        pts = np.column_stack([np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)])
        if pts.size and not np.all(np.isfinite(pts)):
            raise ValidationError("cannot snap a point with a non-finite coordinate")
        if self.n_nodes == 0:
            raise DataError("the walk network has no node")
        dist, idx = self.kdtree.query(pts)
        return np.asarray(idx, dtype=np.int32), np.asarray(dist, dtype=np.float64)

    def lon_lat(self, nodes: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """WGS84 coordinates of nodes (for drawing routes)."""
        idx = np.asarray(nodes, dtype=np.intp)
        lon, lat = transformer(self.crs, WGS84).transform(self.x_m[idx], self.y_m[idx])
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def to_networkx(self) -> nx.DiGraph:
        """A networkx DiGraph with ``length`` (metres) on the edges: for checks and benchmarks."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(range(self.n_nodes))
        g.add_weighted_edges_from(
            zip(self.tails.tolist(), self.indices.tolist(), self.length_m.tolist(), strict=True),
            weight="length")
        return g

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the arrays to ``path`` (``.npz``) atomically."""
        save_npz(path, format=np.array(CACHE_FORMAT), crs=np.array(self.crs),
                 source=np.array(self.source), node_id=self.node_id, x_m=self.x_m, y_m=self.y_m,
                 indptr=self.indptr, indices=self.indices, length_m=self.length_m)

    @classmethod
    def load(cls, path: Path) -> WalkNetwork:
        """Read arrays written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["format"]) != CACHE_FORMAT:
                    raise DataError(f"{path}: cache format {int(z['format'])}, "
                                    f"expected {CACHE_FORMAT}")
                return cls(crs=str(z["crs"]), node_id=z["node_id"], x_m=z["x_m"], y_m=z["y_m"],
                           indptr=z["indptr"], indices=z["indices"], length_m=z["length_m"],
                           source=str(z["source"]))
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"{path}: not a walk network cache ({exc})") from exc

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_edges(cls, node_id: ArrayLike, x_m: ArrayLike, y_m: ArrayLike, u: ArrayLike,
                   v: ArrayLike, length_m: ArrayLike, *, crs: str,
                   source: str = "") -> WalkNetwork:
        """Build from an edge list (node positions, not ids, in ``u``/``v``)."""
        n = len(np.asarray(node_id))
        indptr, indices, lengths = _csr(np.asarray(u), np.asarray(v),
                                        np.asarray(length_m, dtype=np.float64), n)
        return cls(crs=crs, node_id=np.asarray(node_id, dtype=np.int64),
                   x_m=np.asarray(x_m, dtype=np.float64), y_m=np.asarray(y_m, dtype=np.float64),
                   indptr=indptr, indices=indices, length_m=lengths, source=source)

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph, *, metric_crs: str,
                   source: str = "") -> WalkNetwork:
        """From an osmnx graph in WGS84 (``x``=lon, ``y``=lat, ``length`` in metres)."""
        crs = str(graph.graph.get("crs", "")).lower()
        if crs not in ("epsg:4326", "wgs84", "+init=epsg:4326"):
            raise DataError(f"{source or 'graph'}: expected an unprojected osmnx graph "
                            f"(EPSG:4326), got crs={crs or 'none'!r}")
        ids = list(graph.nodes)
        pos = {node: i for i, node in enumerate(ids)}
        lon = np.fromiter((graph.nodes[n]["x"] for n in ids), float, len(ids))
        lat = np.fromiter((graph.nodes[n]["y"] for n in ids), float, len(ids))
        x, y = transformer(WGS84, metric_crs).transform(lon, lat)
        edges = [(pos[a], pos[b], float(d["length"])) for a, b, d in graph.edges(data=True)
                 if "length" in d]
        if len(edges) != graph.number_of_edges():
            raise DataError(f"{source or 'graph'}: some edges have no 'length'")
        arr = np.array(edges, dtype=np.float64).reshape(-1, 3)
        try:
            node_id = np.array([int(n) for n in ids], dtype=np.int64)
        except (TypeError, ValueError):
            node_id = np.arange(len(ids), dtype=np.int64)
        return cls.from_edges(node_id, x, y, arr[:, 0].astype(np.int64),
                              arr[:, 1].astype(np.int64), arr[:, 2], crs=metric_crs,
                              source=source)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_npz(path: Path, **arrays: Any) -> None:
    """``np.savez`` to a temporary file renamed over ``path``: readers never see half a cache.

    The file is readable by its group whatever the umask (``mkstemp`` alone makes it 0600),
    so that a server run as another user of the service's group can read what ``geo-caisse``
    built: 0644 under the usual umask 022, 0640 under 027.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.chmod(tmp, (0o666 & ~_umask()) | 0o040)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _csr(u: NDArray[Any], v: NDArray[Any], w: NDArray[np.float64], n: int
         ) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
    """CSR arrays from an edge list: rows by ``u``, the shortest of parallel edges kept."""
    u = u.astype(np.int64, copy=False)
    v = v.astype(np.int64, copy=False)
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    if u.size:
        first = np.ones(u.size, dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        u, v, w = u[first], v[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return indptr, v.astype(np.int32), w.astype(np.float64)


# -- reading sources --------------------------------------------------------------------------
def _walkable(data: dict[str, Any]) -> bool:
    def values(key: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        return [str(x) for x in value] if isinstance(value, list) else [str(value)]

    highways = values("highway")
    if not highways or all(h in NOT_WALKABLE for h in highways):
        return False
    if any(a in ("private", "no") for a in values("access")) and not any(
            f in ("yes", "designated", "permissive") for f in values("foot")):
        return False
    return not (any(f == "no" for f in values("foot")) or "yes" in values("area")
                or "private" in values("service"))


def graph_from_osm_file(path: Path) -> nx.MultiDiGraph:
    """The walking graph of an OSM XML extract (osmnx, offline), simplified."""
    import osmnx as ox

    if path.name.endswith(".pbf"):
        path = _pbf_to_xml(path)
    tags = list(ox.settings.useful_tags_way)
    try:
        ox.settings.useful_tags_way = sorted({*tags, "foot", "access", "area", "service"})
        graph = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
    except Exception as exc:  # OSError, xml.etree's ParseError, osmnx's own errors…
        raise DataError(f"{path}: not a readable OSM XML file ({exc})") from exc
    finally:
        ox.settings.useful_tags_way = tags
    drop = [(a, b, k) for a, b, k, d in graph.edges(keys=True, data=True) if not _walkable(d)]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n, deg in graph.degree() if deg == 0])
    if graph.number_of_edges() == 0:
        raise DataError(f"{path}: no walkable way in this extract")
    graph = ox.truncate.largest_component(graph, strongly=True)
    return ox.simplify_graph(graph)


def _pbf_to_xml(path: Path) -> Path:
    try:
        import osmium
    except ImportError:
        raise DataError(f"{path}: reading .osm.pbf needs pyosmium (pip install osmium), "
                        "or convert it to .osm with osmium-tool") from None
    out = Path(tempfile.mkdtemp()) / (path.name.removesuffix(".pbf"))
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(path)):
            writer.add(obj)
    return out


def walkable_both_ways(graph: nx.MultiDiGraph, path: Path) -> nx.MultiDiGraph:
    """The graph with every edge walkable both ways: a one-way edge (a drive network's
    one-way street) gets its reverse, with a warning naming how many there were."""
    one_way = [(u, v, d) for u, v, d in graph.edges(data=True)
               if u != v and not graph.has_edge(v, u)]
    if not one_way:
        return graph
    warnings.warn(f"{path.name}: {len(one_way):,} of {graph.number_of_edges():,} edges are "
                  "one-way (a drive network?); a walk goes both ways, so each was given its "
                  "reverse. Prefer osmnx's walk network (network_type='walk').",
                  UserWarning, stacklevel=2)
    for u, v, d in one_way:
        rev = dict(d)
        if "geometry" in rev:
            rev["geometry"] = rev["geometry"].reverse()
        rev["reversed"] = True
        graph.add_edge(v, u, **rev)
    return graph


def graph_from_source(path: Path) -> nx.MultiDiGraph:
    """Read a network source: osmnx GraphML or an OSM extract."""
    import osmnx as ox

    if not path.is_file():
        raise DataError(f"walk network source {path} not found")
    name = path.name.lower()
    if name.endswith((".graphml", ".graphml.gz")):
        try:
            graph = ox.load_graphml(path)
        except Exception as exc:  # networkx raises bare exceptions on bad XML
            raise DataError(f"{path}: not a readable osmnx GraphML file ({exc})") from exc
        graph = walkable_both_ways(graph, path)
        graph = ox.truncate.largest_component(graph, strongly=True)
        if not graph.graph.get("simplified"):
            graph = ox.simplify_graph(graph)
        return graph
    if name.endswith((".osm", ".osm.bz2", ".osm.gz", ".osm.xml", ".osm.pbf")):
        return graph_from_osm_file(path)
    raise DataError(f"{path}: unknown network format; expected .graphml(.gz), "
                    ".osm(.bz2|.gz) or .osm.pbf")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def cache_path(source: Path, *, metric_crs: str, cache_dir: Path) -> Path:
    """Where the arrays built from ``source`` are cached (keyed by its content and the CRS)."""
    crs_tag = metric_crs.replace(":", "").lower()
    return cache_dir / f"walk-{_digest(source)}-{crs_tag}-v{CACHE_FORMAT}.npz"


def load_walk_network(source: Path, *, metric_crs: str, cache_dir: Path | None,
                      progress: Progress = quiet) -> WalkNetwork:
    """The walk network of ``source``, from the cache when it is there, else built and cached."""
    check_metric(metric_crs)
    if not source.is_file():
        raise DataError(f"walk network source {source} not found")
    cached = cache_path(source, metric_crs=metric_crs, cache_dir=cache_dir) if cache_dir else None
    if cached is not None and cached.is_file():
        return WalkNetwork.load(cached)
    progress(f"building the walk network from {source.name} (osmnx; cached afterwards)…")
    graph = graph_from_source(source)
    net = WalkNetwork.from_graph(graph, metric_crs=metric_crs, source=source.name)
    progress(f"walk network: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges")
    if cached is not None:
        net.save(cached)
    return net


__all__ = [
    "CACHE_FORMAT",
    "NOT_WALKABLE",
    "WalkNetwork",
    "cache_path",
    "graph_from_osm_file",
    "graph_from_source",
    "load_walk_network",
]
