"""A drive network (one-way streets) given as the walking network is made walkable both
ways, with a warning naming how many edges were one-way."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_directed_network_is_made_walkable_both_ways_with_a_warning(tmp_path: Path) -> None:
    import networkx as nx
    import osmnx as ox

    from geo_caisse.walk.network import graph_from_source

    g = nx.MultiDiGraph(crs="epsg:4326")
    for n, (x, y) in enumerate([(3.870, 43.600), (3.871, 43.600), (3.871, 43.601)]):
        g.add_node(n, x=x, y=y, street_count=2)
    g.add_edge(0, 1, length=80.0, oneway=True, highway="residential")   # one-way streets
    g.add_edge(1, 2, length=110.0, oneway=True, highway="residential")
    g.add_edge(2, 0, length=140.0, oneway=True, highway="residential")
    path = tmp_path / "drive.graphml"
    ox.save_graphml(g, path)
    with pytest.warns(UserWarning, match="3 of 3 edges are one-way"):
        graph = graph_from_source(path)
    assert all(graph.has_edge(v, u) for u, v in graph.edges())
