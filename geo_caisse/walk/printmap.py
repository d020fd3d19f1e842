"""Printable maps (PNG or PDF, A4 landscape) of the open layers: food deserts, conventionnés,
markets. Drawn in-process with matplotlib (Agg) in the territory's metric CRS, over the
neighbourhood outlines, with a title, a legend, a scale bar and the data attribution — for a
committee meeting or a flyer, without any tile server.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from geo_caisse.core.errors import DataError, ValidationError
from geo_caisse.io.drawing import one_at_a_time

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory
    from geo_caisse.walk.deserts import DesertReport
    from geo_caisse.walk.service import WalkingService

FORMATS = {"png": "image/png", "pdf": "application/pdf"}
DESERT_BREAKS = (0.10, 0.25, 0.50, 0.75)
DESERT_COLORS = ("#fdf6ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")


def _figure(territory: Territory, title: str, outlines: Sequence[BaseGeometry]) -> Any:
    import matplotlib.pyplot as plt

    from geo_caisse.core.crs import WGS84, reproject

    fig, ax = plt.subplots(figsize=(11.69, 8.27), dpi=150)  # A4 landscape
    ax.set_aspect("equal")
    ax.set_axis_off()
    for geom in outlines:
        metric = reproject(geom, WGS84, territory.metric_crs)
        for poly in getattr(metric, "geoms", [metric]):
            x, y = poly.exterior.xy
            ax.plot(x, y, color="#64748b", linewidth=0.5, zorder=1)
    fig.suptitle(title, fontsize=14, x=0.02, ha="left")
    fig.text(0.01, 0.01, f"{territory.attribution} · geo_caisse · {date.today():%d/%m/%Y}",
             fontsize=6, color="#475569")
    return fig, ax


def _scale_bar(ax: Any) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = 10 ** int(np.log10((x1 - x0) / 4))
    if (x1 - x0) / length > 8:
        length *= 2
    bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="#0f172a", linewidth=3)
    ax.text(bx, by + 0.01 * (y1 - y0), f"{length / 1000:g} km" if length >= 1000
            else f"{length:g} m", fontsize=8)


def _save(fig: Any, fmt: str) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


@one_at_a_time
def desert_map(territory: Territory, report: DesertReport, outlines: Sequence[BaseGeometry],
               *, fmt: str) -> bytes:
    """The share of each 200 m cell's people living in a food desert."""
    from matplotlib.patches import Patch, Rectangle

    _check(fmt)
    fig, ax = _figure(territory, f"Déserts alimentaires à pied — {territory.name} "
                      f"(seuil {report.threshold_min:g} min)", outlines)
    size = report.cell_size_m
    cells = report.cells
    share = cells["desert_share"].to_numpy(dtype=float)
    for x0, y0, v in zip(cells.x0_m.to_numpy(), cells.y0_m.to_numpy(), share, strict=True):
        colour = "#cbd5e1" if not np.isfinite(v) else DESERT_COLORS[
            int(np.searchsorted(DESERT_BREAKS, v, side="right"))]
        ax.add_patch(Rectangle((x0, y0), size, size, facecolor=colour, edgecolor="none",
                               zorder=2))
    labels = ["moins de 10 %", "10 à 25 %", "25 à 50 %", "50 à 75 %", "75 % et plus"]
    handles = [Patch(facecolor=c, label=lab) for c, lab in zip(DESERT_COLORS, labels,
                                                                strict=True)]
    handles.append(Patch(facecolor="#cbd5e1", label="hors réseau piéton ou sans habitant"))
    ax.legend(handles=handles, title="Part en désert alimentaire", loc="upper right",
              fontsize=8, title_fontsize=9, frameon=True)
    if len(cells):  # the cells' extent (the walking network), with a 1 km margin
        x0, y0 = float(cells.x0_m.min()) - 1000, float(cells.y0_m.min()) - 1000
        ax.set_xlim(x0, float(cells.x0_m.max()) + size + 1000)
        ax.set_ylim(y0, float(cells.y0_m.max()) + size + 1000)
    else:
        ax.autoscale_view()
    _scale_bar(ax)
    return _save(fig, fmt)


@one_at_a_time
def points_map(territory: Territory, points: Sequence[tuple[float, float, str]],
               outlines: Sequence[BaseGeometry], *, title: str, fmt: str) -> bytes:
    """Points (lon, lat, kind) coloured by kind."""
    from geo_caisse.core.crs import lonlat_to_metric

    _check(fmt)
    fig, ax = _figure(territory, title, outlines)
    colours = {"producer": "#166534", "shop": "#1d4ed8", "epicerie": "#7c2d12",
               "cooperative": "#6b21a8", "amap": "#0f766e", "market_stall": "#b45309",
               "market": "#b45309"}
    names = {"producer": "producteur", "shop": "commerce", "epicerie": "épicerie",
             "cooperative": "coopérative", "amap": "AMAP", "market_stall": "étal",
             "market": "marché"}
    if points:
        x, y = lonlat_to_metric([p[0] for p in points], [p[1] for p in points],
                                metric_crs=territory.metric_crs)
        kinds = np.array([p[2] for p in points])
        for kind in sorted(set(kinds.tolist())):
            sel = kinds == kind
            ax.scatter(np.asarray(x)[sel], np.asarray(y)[sel], s=14,
                       color=colours.get(kind, "#334155"), edgecolor="white", linewidth=0.4,
                       label=f"{names.get(kind, kind)} ({int(sel.sum())})", zorder=3)
        ax.legend(loc="upper right", fontsize=8)
    ax.autoscale_view()
    _scale_bar(ax)
    return _save(fig, fmt)


PRINTABLE_LAYERS = ("deserts", "conventionnes", "markets")
_TITLES = {"conventionnes": "Points de vente conventionnés", "markets": "Marchés"}


def layer_map(sessions: sessionmaker[Session], territory: Territory, layer: str, *, fmt: str,
              walking: WalkingService | None = None, threshold_min: float | None = None,
              open_on: str | None = None) -> bytes:
    """The printable map of an open layer (no member information): the food deserts (needs
    ``walking``), the conventionnés accepting the Mona, or the markets."""
    from geo_caisse.storage.layers import (
        MarketRepository,
        NeighbourhoodRepository,
        PointOfSaleFilter,
        PointOfSaleRepository,
    )

    _check(fmt)
    if layer not in PRINTABLE_LAYERS:
        raise ValidationError(f"layer must be one of {', '.join(PRINTABLE_LAYERS)}, "
                              f"got {layer!r}")
    points: list[tuple[float, float, str]] = []
    with sessions() as session:
        repo = NeighbourhoodRepository(session)
        # the outlines of the two coarsest levels (communes and their quartiers, most often)
        outlines = [g for level in reversed(territory.levels[:2])
                    for _, g in repo.list(level=level.code).items]
        if layer == "conventionnes":
            items = PointOfSaleRepository(session).list(PointOfSaleFilter(takes_mona=True)).items
            points = [(p.lon, p.lat, p.kind.value) for p in items]
        elif layer == "markets":
            points = [(m.lon, m.lat, "market") for m in MarketRepository(session).list().items]
    if layer == "deserts":
        if walking is None:
            raise DataError("the desert map needs the walking analysis ([network] and "
                            "[population] in territory.toml)")
        report = walking.deserts(sessions, threshold_min=threshold_min, open_on=open_on)
        return desert_map(territory, report, outlines, fmt=fmt)
    return points_map(territory, points, outlines, title=f"{_TITLES[layer]} — {territory.name}",
                      fmt=fmt)


__all__ = ["FORMATS", "PRINTABLE_LAYERS", "desert_map", "layer_map", "points_map"]
