"""The one home-cell rule: a home is kept as the 200 m square it falls in, never as a point.

A member's or volunteer's home is reduced, as soon as it is known, to the lower-left corner of
its ``HOME_CELL_M`` square in the territory's metric CRS; analyses that need a position use
the cell's centre.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from geo_caisse.core.crs import check_lon_lat, lonlat_to_metric
from geo_caisse.core.territory import Territory

HOME_CELL_M = 200


def cell_corner(x_m: float, y_m: float) -> tuple[int, int]:
    """The lower-left corner of the cell holding a point (metres, metric CRS).

    >>> cell_corner(770123.4, 6279987.0)
    (770000, 6279800)
    """
    return (int(x_m // HOME_CELL_M * HOME_CELL_M), int(y_m // HOME_CELL_M * HOME_CELL_M))


def home_cell(territory: Territory, *, lon: float, lat: float) -> tuple[int, int]:
    """The lower-left corner (metres, the territory's metric CRS) of the home's 200 m cell."""
    check_lon_lat(lon, lat, name="home")
    territory.check_inside(lon, lat, name="home")
    x, y = lonlat_to_metric([lon], [lat], metric_crs=territory.metric_crs)
    return cell_corner(float(x[0]), float(y[0]))


def cell_centres(corners: Iterable[float | None]) -> NDArray[np.float64]:
    """The centres of cells given by one coordinate of their corners (None: unknown, NaN).

    >>> cell_centres([770000, None]).tolist()
    [770100.0, nan]
    """
    values = np.array([np.nan if c is None else c for c in corners], dtype=float)
    return values + HOME_CELL_M / 2


__all__ = ["HOME_CELL_M", "cell_centres", "cell_corner", "home_cell"]
