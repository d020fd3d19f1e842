"""Walking network, accessibility, deserts and what-if, checked against brute force."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_caisse.core.errors import DataError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.walk.accessibility import Accessibility, Destinations, metres_per_minute
from geo_caisse.walk.deserts import cells_feature_collection, desert_report
from geo_caisse.walk.network import (
    WalkNetwork,
    cache_path,
    graph_from_osm_file,
    graph_from_source,
    load_walk_network,
)
from geo_caisse.walk.population import weighted_quantile
from geo_caisse.walk.whatif import WhatIf
from tests.utils.stores import DATA_DIR
from tests.utils.walking import grid_network, random_population

OSM_FIXTURE = DATA_DIR / "montpellier_drive_2020-07-02.osm.bz2"


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return grid_network(14, seed=7, one_way_share=0.1)


@pytest.fixture(scope="module")
def graph(net: WalkNetwork) -> nx.DiGraph:
    return net.to_networkx()


def _dest(net: WalkNetwork, seed: int, n: int) -> Destinations:
    rng = np.random.default_rng(seed)
    return Destinations.at(net, rng.uniform(net.x_m.min(), net.x_m.max(), n),
                           rng.uniform(net.y_m.min(), net.y_m.max(), n))


def _brute_dist(graph: nx.DiGraph, dest: Destinations) -> np.ndarray:
    """Walking metres from every node to its nearest destination, one search per origin."""
    out = np.full(graph.number_of_nodes(), np.inf)
    for v in graph.nodes:
        lengths = nx.single_source_dijkstra_path_length(graph, v, weight="length")
        for node, offset in zip(dest.node.tolist(), dest.offset_m.tolist(), strict=True):
            if node in lengths:
                out[v] = min(out[v], lengths[node] + offset)
    return out


def test_nearest_distances_match_brute_force(net: WalkNetwork, graph: nx.DiGraph) -> None:
    dest = _dest(net, 1, 6)
    pop = random_population(net, 400, seed=2)
    acc = Accessibility(net, dest, pop, walk_speed_kmh=4.5)
    expected = _brute_dist(graph, dest)
    np.testing.assert_allclose(acc.dist_m, expected, rtol=1e-12, atol=1e-9)
    # each node's label is a destination at that distance
    reached = np.isfinite(expected)
    lab = acc.label[reached]
    np.testing.assert_allclose(
        acc.dist_m[reached],
        [nx.shortest_path_length(graph, int(v), int(dest.node[j]), weight="length")
         + dest.offset_m[j] for v, j in zip(np.flatnonzero(reached), lab, strict=True)])
    # point times add the point's own offset and divide by the speed
    t = acc.point_time_min
    ok = pop.covered
    np.testing.assert_allclose(t[ok], (pop.offset_m[ok] + expected[pop.node[ok]]) / 75.0)
    assert np.isnan(t[~ok]).all()


def test_route_follows_the_network_to_the_nearest(net: WalkNetwork, graph: nx.DiGraph) -> None:
    dest = _dest(net, 3, 4)
    acc = Accessibility(net, dest, random_population(net, 50, seed=3))
    for v in (0, 50, 150):
        path = acc.route_nodes(v)
        assert path[-1] == dest.node[acc.label[v]]
        walked = sum(graph[a][b]["length"] for a, b in itertools.pairwise(path))
        assert walked + dest.offset_m[acc.label[v]] == pytest.approx(acc.dist_m[v])


def test_k_nearest_and_nearest_from(net: WalkNetwork, graph: nx.DiGraph) -> None:
    dest = _dest(net, 4, 8)
    acc = Accessibility(net, dest, random_population(net, 50, seed=4))
    kd, _ = acc.k_nearest
    for v in (0, 37, 101, 195):
        lengths = nx.single_source_dijkstra_path_length(graph, v, weight="length")
        per_dest = sorted((lengths[int(n)] + o, j) for j, (n, o) in
                          enumerate(zip(dest.node, dest.offset_m, strict=True))
                          if int(n) in lengths)
        k = min(len(per_dest), kd.shape[1])
        np.testing.assert_allclose(kd[v, :k], [d for d, _ in per_dest[:k]])
    x, y = float(net.x_m[37]) + 5.0, float(net.y_m[37])
    found = acc.nearest_from(x, y, n=3)
    assert found.node == 37 and found.snap_m == pytest.approx(5.0, abs=1e-6)
    np.testing.assert_allclose(found.distance_m, kd[37, :3] + 5.0)
    np.testing.assert_allclose(found.time_min, found.distance_m / 75.0)
    with pytest.raises(ValidationError, match="n must be between"):
        acc.nearest_from(x, y, n=0)


def test_reach_counts_and_two_step_fca_match_brute_force(net: WalkNetwork,
                                                          graph: nx.DiGraph) -> None:
    dest = _dest(net, 5, 7)
    pop = random_population(net, 300, seed=5)
    acc = Accessibility(net, dest, pop, walk_speed_kmh=4.0)
    mpm = metres_per_minute(4.0)
    # distance from every node to every destination, by brute force
    full = np.full((net.n_nodes, len(dest)), np.inf)
    for v in graph.nodes:
        lengths = nx.single_source_dijkstra_path_length(graph, v, weight="length")
        for j, (n, o) in enumerate(zip(dest.node.tolist(), dest.offset_m.tolist(),
                                       strict=True)):
            full[v, j] = lengths.get(n, np.inf) + o
    t = (pop.offset_m[:, None] + full[pop.node]) / mpm
    counts = acc.reach_counts((5, 10, 15))
    for k, m in enumerate((5, 10, 15)):
        expected = np.where(pop.covered, (t <= m).sum(axis=1), 0)
        np.testing.assert_array_equal(counts[:, k], expected)
    inside = t <= 12.0
    w = np.where(pop.covered, pop.population, 0.0)
    served = (inside * w[:, None]).sum(axis=0)
    ratio = np.where(served > 0, 1.0 / np.where(served > 0, served, 1), 0.0)
    expected_score = np.where(pop.covered, (inside * ratio[None, :]).sum(axis=1) * 1000, np.nan)
    np.testing.assert_allclose(acc.two_step_fca(12.0), expected_score, equal_nan=True)
    with pytest.raises(ValidationError, match="catchment_min"):
        acc.two_step_fca(0)


def test_desert_report_by_hand(net: WalkNetwork) -> None:
    dest = _dest(net, 6, 3)
    pop = random_population(net, 500, seed=6)
    acc = Accessibility(net, dest, pop)
    rep = desert_report(acc, threshold_min=4.0, cell_size_m=200.0)
    t = acc.point_time_min
    low = pop.covered & ~(t <= 4.0)
    assert rep.totals["low_access_population"] == pytest.approx(pop.population[low].sum())
    assert rep.totals["desert_population"] == pytest.approx(
        (pop.population * pop.low_income_share)[low].sum())
    # every cell: its points, summed by hand
    ix = np.floor(pop.x_m / 200).astype(int)
    iy = np.floor(pop.y_m / 200).astype(int)
    for row in rep.cells.itertuples():
        mine = (ix * 200 == row.x0_m) & (iy * 200 == row.y0_m)
        assert row.population == pytest.approx(pop.population[mine].sum())
        assert row.desert_population == pytest.approx(
            (pop.population * pop.low_income_share)[mine & low].sum())
        cov = mine & pop.covered
        if cov.any():
            # weighted median: half the covered people walk at most this long
            order = np.argsort(t[cov])
            cum = np.cumsum(pop.population[cov][order])
            med = t[cov][order][np.searchsorted(cum, cum[-1] / 2)]
            assert row.median_walk_min == pytest.approx(med)
    assert rep.cells.population.sum() == pytest.approx(pop.population.sum())
    areas = rep.areas
    assert areas.population.sum() == pytest.approx(pop.population.sum())
    fc = cells_feature_collection(rep)
    assert len(fc["features"]) == len(rep.cells)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="threshold_min"):
        desert_report(acc, threshold_min=0)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n_dest=st.integers(1, 8), remove=st.integers(0, 7),
       threshold=st.floats(1.0, 12.0))
def test_what_if_equals_full_recompute(net: WalkNetwork, seed: int, n_dest: int, remove: int,
                                       threshold: float) -> None:
    dest = _dest(net, seed, n_dest)
    pop = random_population(net, 200, seed=seed)
    acc = Accessibility(net, dest, pop)
    model = WhatIf(acc, threshold_min=threshold)
    limit = threshold * acc.m_per_min
    w = np.where(pop.covered, pop.population, 0.0)
    lw = w * pop.low_income_share

    def compare(change: object, after: Accessibility) -> None:
        before_d, after_d = acc.point_dist_m, after.point_dist_m
        out_ = pop.covered & (before_d > limit) & (after_d <= limit)
        in_ = pop.covered & (before_d <= limit) & (after_d > limit)
        assert change.people_out_of_low_access == pytest.approx(w[out_].sum())  # type: ignore[attr-defined]
        assert change.low_income_out_of_low_access == pytest.approx(lw[out_].sum())  # type: ignore[attr-defined]
        assert change.people_into_low_access == pytest.approx(w[in_].sum())  # type: ignore[attr-defined]
        assert change.low_income_into_low_access == pytest.approx(lw[in_].sum())  # type: ignore[attr-defined]

    rng = np.random.default_rng(seed + 1)
    x, y = rng.uniform(net.x_m.min(), net.x_m.max()), rng.uniform(net.y_m.min(), net.y_m.max())
    added = Destinations.at(net, [*dest.x_m, x], [*dest.y_m, y])
    compare(model.add(x, y), Accessibility(net, added, pop))
    index = remove % n_dest
    compare(model.remove(index), Accessibility(net, dest.subset(np.arange(n_dest) != index),
                                               pop))
    # the base state is untouched
    np.testing.assert_array_equal(acc.dist_m, Accessibility(net, dest, pop).dist_m)


def test_rank_scores_each_candidate_alone(net: WalkNetwork) -> None:
    dest = _dest(net, 11, 2)
    pop = random_population(net, 300, seed=11)
    acc = Accessibility(net, dest, pop)
    cands = _dest(net, 12, 6)
    ranked = WhatIf(acc, threshold_min=3.0).rank(cands)
    assert sorted(r.index for r in ranked) == list(range(6))
    for r in ranked:
        one = Destinations.at(net, [*dest.x_m, cands.x_m[r.index]],
                              [*dest.y_m, cands.y_m[r.index]])
        after = Accessibility(net, one, pop).point_dist_m
        gain = pop.covered & (acc.point_dist_m > 225.0) & (after <= 225.0)
        assert r.people_within_reach == pytest.approx(pop.population[gain].sum())
    keys = [(-r.low_income_within_reach, -r.people_within_reach) for r in ranked]
    assert keys == sorted(keys)
    with pytest.raises(ValidationError, match="destination index"):
        WhatIf(acc, threshold_min=3.0).remove(5)


def test_weighted_quantile() -> None:
    assert weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0]), 0.5) == 2.0
    assert math.isnan(weighted_quantile(np.array([np.nan]), np.array([1.0]), 0.5))


def test_osm_extract_gives_a_walkable_strongly_connected_graph() -> None:
    graph = graph_from_osm_file(OSM_FIXTURE)
    assert nx.is_strongly_connected(graph)
    highways = {h for _, _, h in graph.edges(data="highway")
                for h in (h if isinstance(h, list) else [h])}
    assert highways and not highways & {"motorway", "motorway_link", "trunk", "cycleway"}
    net = WalkNetwork.from_graph(graph, metric_crs="EPSG:2154", source=OSM_FIXTURE.name)
    assert net.is_symmetric  # walking ignores one-way streets
    assert 3000 < net.n_nodes < 6000
    # Lambert-93 coordinates around Montpellier
    assert 765_000 < net.x_m.mean() < 775_000 and 6_275_000 < net.y_m.mean() < 6_285_000


def test_network_cache_round_trip(tmp_path: Path) -> None:
    net = load_walk_network(OSM_FIXTURE, metric_crs="EPSG:2154", cache_dir=tmp_path)
    cached = cache_path(OSM_FIXTURE, metric_crs="EPSG:2154", cache_dir=tmp_path)
    assert cached.is_file()
    again = load_walk_network(OSM_FIXTURE, metric_crs="EPSG:2154", cache_dir=tmp_path)
    for name in ("node_id", "x_m", "y_m", "indptr", "indices", "length_m"):
        np.testing.assert_array_equal(getattr(net, name), getattr(again, name))
    cached.write_bytes(b"not an npz")
    with pytest.raises(DataError, match="not a walk network cache"):
        load_walk_network(OSM_FIXTURE, metric_crs="EPSG:2154", cache_dir=tmp_path)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o640)])
def test_caches_are_readable_by_the_services_group(tmp_path: Path, umask: int,
                                                   mode: int) -> None:
    import os
    import stat

    from geo_caisse.walk.network import save_npz

    previous = os.umask(umask)
    try:
        save_npz(tmp_path / "c.npz", a=np.arange(3))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "c.npz").stat().st_mode) == mode


def test_bad_network_sources(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><way id='1'><nd ref=", encoding="utf-8")
    with pytest.raises(DataError, match="not a readable OSM XML"):
        graph_from_source(bad)
    empty = tmp_path / "empty.osm"
    empty.write_text("<?xml version='1.0'?><osm version='0.6'></osm>", encoding="utf-8")
    with pytest.raises(DataError, match=r"no walkable way|not a readable"):
        graph_from_source(empty)
    other = tmp_path / "net.shp"
    other.write_bytes(b"x")
    with pytest.raises(DataError, match="unknown network format"):
        graph_from_source(other)
    with pytest.raises(DataError, match="not found"):
        load_walk_network(tmp_path / "missing.osm", metric_crs="EPSG:2154", cache_dir=None)
    from geo_caisse.core.errors import CRSError

    with pytest.raises(CRSError):
        load_walk_network(OSM_FIXTURE, metric_crs="EPSG:4326", cache_dir=None)


def test_network_rejects_inconsistent_arrays() -> None:
    with pytest.raises(DataError, match="does not exist"):
        WalkNetwork.from_edges([1, 2], [0.0, 1.0], [0.0, 1.0], [0], [5], [1.0], crs="EPSG:2154")
    with pytest.raises(DataError, match="negative"):
        WalkNetwork.from_edges([1, 2], [0.0, 1.0], [0.0, 1.0], [0], [1], [-1.0],
                               crs="EPSG:2154")


def test_territory_walking_config(tmp_path: Path, territory: Territory) -> None:
    assert territory.network is not None and territory.network.coverage == ("34172",)
    assert territory.access.walk_speed_kmh == 4.5
    assert territory.access.desert_threshold_min == 10
    text = (territory.directory / "territory.toml").read_text(encoding="utf-8")
    for bad, message in (
        ("walk_speed_kmh = 4.5", "walk_speed_kmh = 40"),
        ('low_income = "income_quantile"', 'low_income = "astrology"'),
        ('mode = "spread"', 'mode = "guess"'),
    ):
        folder = tmp_path / message.split()[0]
        folder.mkdir()
        (folder / "territory.toml").write_text(text.replace(bad, message), encoding="utf-8")
        with pytest.raises(DataError, match=message.split()[0]):
            Territory.from_dir(folder)
