"""The 11-member rule: adaptive grid and table suppression over random populations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.ops import unary_union

from geo_caisse import ValidationError
from geo_caisse.core.privacy import MIN_MEMBERS, AdaptiveGrid, suppress_table


def clustered(seed: int, n: int, clusters: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform((760_000, 6_270_000), (780_000, 6_290_000), size=(clusters, 2))
    spread = rng.uniform(100, 3000, size=clusters)
    which = rng.integers(0, clusters, size=n)
    pts = centres[which] + rng.normal(size=(n, 2)) * spread[which, None]
    return pts[:, 0], pts[:, 1]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 700), clusters=st.integers(1, 12),
       unknown=st.integers(0, 15), k=st.sampled_from([11, 11, 15]))
def test_every_area_holds_at_least_k_members_and_areas_partition(
        seed: int, n: int, clusters: int, unknown: int, k: int) -> None:
    x, y = clustered(seed, n, clusters)
    x = np.concatenate([x, np.full(unknown, np.nan)])
    y = np.concatenate([y, np.full(unknown, np.nan)])
    grid = AdaptiveGrid.build(x, y, crs="EPSG:2154", min_members=k)
    if n < k:
        assert grid.n_leaves == 0 and (grid.member_leaf == -1).all()
        return
    assert (grid.member_leaf[:n] >= 0).all() and (grid.member_leaf[n:] == -1).all()
    counts = np.bincount(grid.member_leaf[:n], minlength=grid.n_leaves)
    assert (counts >= k).all()
    assert counts.tolist() == grid.leaf_members.tolist()
    geoms = [grid.leaf_geometry(i) for i in range(grid.n_leaves)]
    # areas are disjoint: the union's area is the sum of the areas
    assert unary_union(geoms).area == pytest.approx(sum(g.area for g in geoms))
    # each member's home lies in its own area
    for i in np.random.default_rng(seed).choice(n, size=min(n, 50), replace=False):
        g = geoms[grid.member_leaf[i]]
        cx = np.floor(x[i] / 200) * 200 + 100
        cy = np.floor(y[i] / 200) * 200 + 100
        from shapely.geometry import Point
        assert g.contains(Point(cx, cy))
    # any published union of areas minus another holds 0 or >= k members
    rng = np.random.default_rng(seed + 1)
    for _ in range(20):
        a = set(rng.choice(grid.n_leaves, size=rng.integers(1, grid.n_leaves + 1)).tolist())
        b = set(rng.choice(grid.n_leaves, size=rng.integers(1, grid.n_leaves + 1)).tolist())
        diff = sum(int(counts[i]) for i in a - b)
        assert diff == 0 or diff >= k


def test_a_dense_centre_is_split_finer_than_the_suburbs() -> None:
    x, y = clustered(3, 2000, 4)
    grid = AdaptiveGrid.build(x, y, crs="EPSG:2154")
    sizes = [grid.leaf_size_m(i) for i in range(grid.n_leaves)]
    assert min(sizes) <= 800 and grid.n_leaves > 50
    assert all(c.startswith("CRS2154RES") for c in grid.leaf_codes())


def test_bad_parameters() -> None:
    with pytest.raises(ValidationError, match="min_members must be an integer >= 11"):
        AdaptiveGrid.build(np.zeros(3), np.zeros(3), crs="EPSG:2154", min_members=5)
    with pytest.raises(ValidationError, match="same length"):
        AdaptiveGrid.build(np.zeros(3), np.zeros(4), crs="EPSG:2154")
    with pytest.raises(ValidationError, match="2-D"):
        suppress_table(np.zeros(3, dtype=int))


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 8), cols=st.integers(1, 8),
       members=st.integers(0, 400), p=st.floats(0.05, 0.9))
def test_suppressed_tables_never_reveal_a_small_group(seed: int, rows: int, cols: int,
                                                      members: int, p: float) -> None:
    """Members live in one row; each is present in some columns (months, shops)."""
    rng = np.random.default_rng(seed)
    row_of = rng.integers(0, rows, size=members)
    presence = rng.random((members, cols)) < p * rng.random(members)[:, None]
    counts = np.zeros((rows, cols), dtype=np.int64)
    for r in range(rows):
        counts[r] = presence[row_of == r].sum(axis=0)
    row_total = np.array([presence[row_of == r].any(axis=1).sum() for r in range(rows)])
    col_total = presence.sum(axis=0)
    row_pub = row_total >= MIN_MEMBERS
    col_pub = col_total >= MIN_MEMBERS

    def row_union(r: int, cs: np.ndarray) -> int:
        return int(presence[row_of == r][:, cs].any(axis=1).sum())

    shown = suppress_table(counts, row_union=row_union, row_published=row_pub,
                           col_published=col_pub)
    assert (counts[shown] >= MIN_MEMBERS).all()
    for r in np.flatnonzero(row_pub):
        hidden = np.flatnonzero(~shown[r])
        u = row_union(int(r), hidden) if hidden.size else 0
        assert u == 0 or u >= MIN_MEMBERS
    for c in np.flatnonzero(col_pub):
        hidden = np.flatnonzero(~shown[:, c])
        u = int(presence[np.isin(row_of, hidden), c].sum())
        assert u == 0 or u >= MIN_MEMBERS
