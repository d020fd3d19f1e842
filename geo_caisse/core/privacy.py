"""Statistical disclosure control for every figure published about members.

INSEE's rule: a published figure aggregates at least ``k = 11`` distinct members. Two
tools enforce it here:

- :class:`AdaptiveGrid` — a variable-size square grid over members' homes, as INSEE's
  *carroyage à taille variable*: a square is split into its four quarters only while
  every non-empty quarter keeps at least ``k`` members. Its leaves partition the homes,
  so any union of leaves holds ``0`` or ``≥ k`` members, and the difference of two
  published unions of leaves is again a union of leaves: no one can isolate a group of
  1–10 members by subtracting two published areas.
- :func:`suppress_table` — primary and secondary suppression of a table whose rows and
  columns both have published totals (home cell × month, home cell × point of sale):
  a cell is shown only with ``≥ k`` contributing members, and more cells are hidden
  until, in every row and every column whose total is published, the hidden cells
  together hold ``0`` or ``≥ k`` distinct members (otherwise the total minus the
  shown cells would reveal them).

A hidden value is ``None`` (and marked ``suppressed``), never ``0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo_caisse.core.errors import ValidationError

MIN_MEMBERS = 11  # INSEE's secret statistique threshold


def check_min_members(k: int) -> int:
    """``k`` itself, or raise if it is below INSEE's 11."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_MEMBERS:
        raise ValidationError(f"min_members must be an integer >= {MIN_MEMBERS}, got {k!r}")
    return k


Square = tuple[int, int, int]  # lower-left x, y and size, in metres
Group = tuple[list[Square], NDArray[np.intp]]  # squares (in base cells) and their members


@dataclass(frozen=True)
class AdaptiveGrid:
    """Areas (unions of aligned squares, metric CRS) each holding ``≥ k`` members' homes.

    A square is split into its quarters; quarters with ``≥ k`` members are split in
    turn, while the quarters with fewer are pooled into one area (when the pool holds
    ``≥ k``) or handed down to the first large quarter, where they join its smallest
    area. So every area holds ``≥ k`` members and the areas partition the homes (a pure
    four-way split, which refuses to split as soon as one quarter is sparse, leaves a
    territory with suburbs in one single cell).

    ``member_leaf[i]`` is member ``i``'s area, ``-1`` when their home is unknown or fewer
    than ``k`` homes are known (then there is no area). Publications treat the members
    without an area as one more row, suppressed like any other.
    """

    crs: str
    min_members: int
    base_m: int
    leaf_squares: tuple[tuple[Square, ...], ...]
    leaf_members: NDArray[np.int64]
    member_leaf: NDArray[np.int32]

    @property
    def n_leaves(self) -> int:
        return len(self.leaf_squares)

    @classmethod
    def build(cls, x_m: NDArray[np.floating] | NDArray[np.integer],
              y_m: NDArray[np.floating] | NDArray[np.integer], *, crs: str,
              min_members: int = MIN_MEMBERS, base_m: int = 200,
              weight: Callable[[NDArray[np.intp]], int] | None = None) -> AdaptiveGrid:
        """Split one root square, covering every known home, down to ``base_m`` squares.

        Homes are metric coordinates (NaN when unknown). The root is the smallest square
        of ``base_m * 2**n`` metres whose lower-left corner is the lowest ``base_m`` cell
        holding a home; with fewer than ``k`` known homes there is no area at all.
        ``weight(indices)`` counts the distinct members behind a set of points when the
        points are not members themselves (points of sale: the members who paid there).
        """
        count = weight or (lambda members: int(members.size))
        k = check_min_members(min_members)
        if base_m <= 0:
            raise ValidationError(f"base_m must be positive, got {base_m}")
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        if x.shape != y.shape or x.ndim != 1:
            raise ValidationError("x_m and y_m must be 1-D arrays of the same length")
        known = np.isfinite(x) & np.isfinite(y)
        member_leaf = np.full(x.size, -1, dtype=np.int32)
        cx = np.zeros(x.size, dtype=np.int64)
        cy = np.zeros(x.size, dtype=np.int64)
        cx[known] = np.floor(x[known] / base_m).astype(np.int64)
        cy[known] = np.floor(y[known] / base_m).astype(np.int64)
        leaves: list[tuple[list[Square], NDArray[np.intp]]] = []

        def merge(a: Group | None, b: Group) -> Group:
            return b if a is None else (a[0] + b[0], np.concatenate([a[1], b[1]]))

        def split(gx: int, gy: int, size: int, members: NDArray[np.intp],
                  extra: Group | None) -> None:
            here: Group = ([(gx, gy, size)], members)
            children: list[tuple[int, int, int, NDArray[np.intp]]] = []
            if size > 1:
                half = size // 2
                qx = (cx[members] - gx) >= half
                qy = (cy[members] - gy) >= half
                for sx in (0, 1):
                    for sy in (0, 1):
                        part = members[(qx == bool(sx)) & (qy == bool(sy))]
                        if part.size:
                            children.append((gx + half * sx, gy + half * sy, half, part))
            big = [c for c in children if count(c[3]) >= k]
            if not big:
                leaves.append(merge(extra, here))
                return
            pending = extra
            small = [c for c in children if count(c[3]) < k]
            if small:
                pool: Group = ([(c[0], c[1], c[2]) for c in small],
                               np.concatenate([c[3] for c in small]))
                if count(pool[1]) >= k:
                    leaves.append(pool)
                else:
                    pending = merge(pending, pool)
            if pending is not None and count(pending[1]) >= k:
                leaves.append(pending)
                pending = None
            big.sort(key=lambda c: -c[3].size)
            for i, (bx, by, bs, part) in enumerate(big):
                split(bx, by, bs, part, pending if i == 0 else None)

        idx = np.flatnonzero(known)
        if idx.size and count(idx) >= k:
            ox, oy = int(cx[idx].min()), int(cy[idx].min())
            extent = int(max(cx[idx].max() - ox, cy[idx].max() - oy)) + 1
            split(ox, oy, 1 << max(0, (extent - 1).bit_length()), idx, None)
        squares = []
        sizes = []
        for i, (sq, members) in enumerate(leaves):
            member_leaf[members] = i
            squares.append(tuple((sx * base_m, sy * base_m, ss * base_m) for sx, sy, ss in sq))
            sizes.append(count(members))
        return cls(crs, k, base_m, tuple(squares), np.asarray(sizes, dtype=np.int64),
                   member_leaf)

    def leaf_codes(self) -> list[str]:
        """INSEE-style identifiers of each area's largest square (``+n``: n more squares)."""
        epsg = self.crs.split(":")[-1]
        out = []
        for squares in self.leaf_squares:
            x, y, s = max(squares, key=lambda q: q[2])
            more = f"+{len(squares) - 1}" if len(squares) > 1 else ""
            out.append(f"CRS{epsg}RES{s}mN{y}E{x}{more}")
        return out

    def leaf_geometry(self, leaf: int) -> BaseGeometry:
        """The area as a (Multi)Polygon in the grid's CRS."""
        return unary_union([box(x, y, x + s, y + s) for x, y, s in self.leaf_squares[leaf]])

    def leaf_size_m(self, leaf: int) -> int:
        """The side of the area's largest square."""
        return max(q[2] for q in self.leaf_squares[leaf])


UnionCount = Callable[[int, NDArray[np.intp]], int]


def suppress_table(counts: NDArray[np.integer], *, min_members: int = MIN_MEMBERS,
                   row_union: UnionCount | None = None, col_union: UnionCount | None = None,
                   row_published: NDArray[np.bool_] | None = None,
                   col_published: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
    """Which cells of a rows × columns table may be shown.

    ``counts[r, c]`` is the number of distinct members behind cell ``(r, c)``.
    ``row_union(r, cols)`` is the number of distinct members behind the cells ``cols`` of
    row ``r`` together (for rows whose members are disjoint across columns it is their
    sum, the default); ``col_union`` likewise. A row (column) whose total is published
    must keep its hidden cells at ``0`` or ``≥ k`` members: the cell with the fewest
    members is hidden too until it does. Returns the mask of cells that may be shown.
    """
    k = check_min_members(min_members)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2:
        raise ValidationError("counts must be a 2-D table")
    rows, cols = counts.shape
    shown = counts >= k
    row_pub = np.ones(rows, dtype=bool) if row_published is None else row_published
    col_pub = np.ones(cols, dtype=bool) if col_published is None else col_published

    def by_sum_rows(r: int, cs: NDArray[np.intp]) -> int:
        return int(counts[r, cs].sum())

    def by_sum_cols(c: int, rs: NDArray[np.intp]) -> int:
        return int(counts[rs, c].sum())

    r_union = row_union or by_sum_rows
    c_union = col_union or by_sum_cols
    changed = True
    while changed:
        changed = False
        for r in np.flatnonzero(row_pub):
            hidden = np.flatnonzero(~shown[r] & (counts[r] > 0))
            if hidden.size and 0 < r_union(int(r), hidden) < k:
                visible = np.flatnonzero(shown[r])
                if visible.size:
                    shown[r, visible[np.argmin(counts[r, visible])]] = False
                    changed = True
        for c in np.flatnonzero(col_pub):
            hidden = np.flatnonzero(~shown[:, c] & (counts[:, c] > 0))
            if hidden.size and 0 < c_union(int(c), hidden) < k:
                visible = np.flatnonzero(shown[:, c])
                if visible.size:
                    shown[visible[np.argmin(counts[visible, c])], c] = False
                    changed = True
    return shown


__all__ = ["MIN_MEMBERS", "AdaptiveGrid", "check_min_members", "suppress_table"]
