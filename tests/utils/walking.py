"""Small seeded networks and populations for the walking tests and benchmarks."""

from __future__ import annotations

import numpy as np

from geo_caisse.walk.network import WalkNetwork
from geo_caisse.walk.population import Area, Population

ORIGIN_X = 770_000.0
ORIGIN_Y = 6_280_000.0


def grid_network(side: int, *, seed: int, spacing_m: float = 80.0, one_way_share: float = 0.0,
                 drop_share: float = 0.1) -> WalkNetwork:
    """A jittered ``side`` × ``side`` street grid in Lambert-93 near Montpellier.

    Edge lengths are the straight length times a detour in [1, 1.4]; ``drop_share`` of the
    streets are removed (blocks), ``one_way_share`` of the rest are one-way.
    """
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = ORIGIN_X + jj.ravel() * spacing_m + rng.uniform(-15, 15, side * side)
    y = ORIGIN_Y + ii.ravel() * spacing_m + rng.uniform(-15, 15, side * side)
    node = (ii * side + jj).ravel()
    right = node[(jj < side - 1).ravel()]
    up = node[(ii < side - 1).ravel()]
    u = np.r_[right, up]
    v = np.r_[right + 1, up + side]
    keep = rng.random(u.size) >= drop_share
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.4, u.size)
    one_way = rng.random(u.size) < one_way_share
    uu = np.r_[u, v[~one_way]]
    vv = np.r_[v, u[~one_way]]
    ll = np.r_[length, length[~one_way]]
    return WalkNetwork.from_edges(np.arange(side * side), x, y, uu, vv, ll, crs="EPSG:2154",
                                  source=f"grid {side}x{side} seed {seed}")


def random_population(network: WalkNetwork, n_points: int, *, seed: int,
                      n_areas: int = 4, uncovered_share: float = 0.05) -> Population:
    """Points scattered over the network's extent, in ``n_areas`` vertical bands."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(network.x_m.min(), network.x_m.max(), n_points)
    y = rng.uniform(network.y_m.min(), network.y_m.max(), n_points)
    node, offset = network.snap(x, y)
    band = np.minimum(((x - x.min()) / (np.ptp(x) + 1e-9) * n_areas).astype(np.int32),
                      n_areas - 1)
    areas = tuple(Area(f"A{i}", f"Area {i}", "sous_quartier", None, 15000.0 + 1000 * i, None,
                       True) for i in range(n_areas))
    return Population(
        crs=network.crs, x_m=x, y_m=y, population=rng.uniform(1, 20, n_points).round(1),
        low_income_share=(rng.random(n_points) < 0.3).astype(float),
        income_eur=np.full(n_points, 15000.0), covered=rng.random(n_points) >= uncovered_share,
        node=node, offset_m=offset, area_index={"sous_quartier": band.astype(np.int32)},
        areas=areas, low_income_rule="test: 30% of points at random")
