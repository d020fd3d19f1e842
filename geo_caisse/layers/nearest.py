"""Nearest conventionnés as the crow flies (walking times are in :mod:`geo_caisse.walk`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import PointOfSale
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.proximity import nearest_straight_line
from geo_caisse.core.territory import Territory
from geo_caisse.storage.layers import (
    PointOfSaleFilter,
    PointOfSaleRepository,
)


@dataclass(frozen=True)
class NearestResult:
    """A conventionné point of sale and its straight-line distance."""

    point_of_sale: PointOfSale
    distance_m: float


def nearest_conventionnes(sessions: sessionmaker[Session], territory: Territory, *,
                          lon: float, lat: float, n: int = 5,
                          open_on: str | None = None) -> list[NearestResult]:
    """The ``n`` conventionnés accepting the Mona nearest to ``lon``/``lat`` (straight line)."""
    if not 1 <= n <= 100:
        raise ValidationError(f"n must be between 1 and 100, got {n}")
    territory.check_inside(lon, lat)
    with sessions() as session:
        items = PointOfSaleRepository(session).list(PointOfSaleFilter(
            takes_mona=True, open_on=open_on)).items
    found = nearest_straight_line(lon, lat, [p.lon for p in items], [p.lat for p in items],
                                  n=n, metric_crs=territory.metric_crs)
    return [NearestResult(items[i], float(d))
            for i, d in zip(found.index, found.distance_m, strict=True)]
