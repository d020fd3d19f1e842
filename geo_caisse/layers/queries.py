"""Reading the layers as the public sees them: points of sale, markets, neighbourhoods.

Each function opens a session, reads, and returns domain objects (never a table row).
"""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import Market, Neighbourhood, PointOfSale
from geo_caisse.storage.layers import (
    BBox,
    MarketFilter,
    MarketRepository,
    NeighbourhoodRepository,
    Page,
    PointOfSaleFilter,
    PointOfSaleRepository,
)


def points_of_sale(sessions: sessionmaker[Session], filters: PointOfSaleFilter | None = None,
                   *, limit: int | None = None, offset: int = 0) -> Page[PointOfSale]:
    """One page of the points of sale matching ``filters``, and how many match in all."""
    with sessions() as session:
        return PointOfSaleRepository(session).list(filters, limit=limit, offset=offset)


def point_of_sale(sessions: sessionmaker[Session], pos_id: int) -> PointOfSale:
    """One point of sale (NotFoundError when there is none)."""
    with sessions() as session:
        return PointOfSaleRepository(session).get(pos_id)


def markets(sessions: sessionmaker[Session], filters: MarketFilter | None = None, *,
            limit: int | None = None, offset: int = 0) -> Page[Market]:
    """One page of the markets matching ``filters``, with their stall counts."""
    with sessions() as session:
        return MarketRepository(session).list(filters, limit=limit, offset=offset)


def market(sessions: sessionmaker[Session], market_id: int) -> Market:
    """One market (NotFoundError when there is none)."""
    with sessions() as session:
        return MarketRepository(session).get(market_id)


def market_stalls(sessions: sessionmaker[Session], market_id: int) -> Page[PointOfSale]:
    """The stalls of one market (NotFoundError when there is no such market)."""
    with sessions() as session:
        MarketRepository(session).get(market_id)
        return PointOfSaleRepository(session).list(PointOfSaleFilter(market_id=market_id))


def neighbourhoods(sessions: sessionmaker[Session], *, level: str | None = None,
                   bbox: BBox | None = None, limit: int | None = None, offset: int = 0
                   ) -> Page[tuple[Neighbourhood, BaseGeometry]]:
    """One page of the neighbourhoods (of ``level``, in ``bbox``), with their outlines."""
    with sessions() as session:
        return NeighbourhoodRepository(session).list(level=level, bbox=bbox, limit=limit,
                                                     offset=offset)


def neighbourhood(sessions: sessionmaker[Session], nid: int
                  ) -> tuple[Neighbourhood, BaseGeometry]:
    """One neighbourhood and its outline (NotFoundError when there is none)."""
    with sessions() as session:
        return NeighbourhoodRepository(session).get(nid)


__all__ = ["market", "market_stalls", "markets", "neighbourhood", "neighbourhoods",
           "point_of_sale", "points_of_sale"]
