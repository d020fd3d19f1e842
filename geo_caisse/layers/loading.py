"""Loading the territory's layers into the store, and importing or listing a layer.

Each use case opens one transaction and commits once, or writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import Market, PointOfSale
from geo_caisse.core.progress import Progress, to_stderr
from geo_caisse.core.territory import Territory
from geo_caisse.io.formats import Layer
from geo_caisse.io.readers import load_neighbourhoods_file
from geo_caisse.io.validation import read_layer
from geo_caisse.storage.layers import (
    MarketRepository,
    NeighbourhoodRepository,
    PointOfSaleRepository,
    UpsertResult,
)
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.migrate import upgrade
from geo_caisse.storage.transaction import commit_or_conflict


@dataclass(frozen=True)
class InitSummary:
    """What ``init`` loaded."""

    neighbourhoods: int
    markets: UpsertResult
    points_of_sale: UpsertResult


def init_store(engine: Engine, sessions: sessionmaker[Session], territory: Territory,
               *, progress: Progress = to_stderr) -> InitSummary:
    """Migrate the schema and load the territory's bundled layers, in one transaction."""
    progress("migrating the schema…")
    upgrade(engine)
    paths = territory.layer_paths
    progress(f"reading {territory.name} layers from {territory.directory}…")
    neighbourhoods = load_neighbourhoods_file(paths["neighbourhoods"])
    markets: list[Market] = read_layer(paths["markets"], "markets", territory)
    points: list[PointOfSale] = read_layer(paths["points_of_sale"], "points_of_sale", territory)
    with sessions() as session:
        progress(f"writing {len(neighbourhoods)} neighbourhoods…")
        n = NeighbourhoodRepository(session).replace_all(neighbourhoods)
        progress(f"writing {len(markets)} markets…")
        m = MarketRepository(session).upsert(markets)
        progress(f"writing {len(points)} points of sale…")
        ids = MarketRepository(session).ids_by_ref()
        p = PointOfSaleRepository(session).upsert(points, ids)
        LedgerRepository(session).open_vendor_accounts()
        commit_or_conflict(session, "init")
    return InitSummary(n, m, p)


def import_layer(sessions: sessionmaker[Session], territory: Territory, path: Path | str,
                 layer: Layer, *, fmt: str | None = None, crs: str | None = None,
                 source: str | None = None) -> UpsertResult:
    """Validate a whole file, then upsert it by ``ref`` in one transaction: all or nothing."""
    objs = read_layer(path, layer, territory, fmt=fmt, crs=crs, source=source)
    with sessions() as session:
        if layer == "markets":
            result = MarketRepository(session).upsert(objs)
        else:
            refs = sorted({p.market_ref for p in objs if p.market_ref})
            ids = MarketRepository(session).ids_by_ref(refs)
            result = PointOfSaleRepository(session).upsert(objs, ids)
            LedgerRepository(session).open_vendor_accounts()
        commit_or_conflict(session, f"import of {source or Path(path).name}")
    return result


def list_layer(sessions: sessionmaker[Session], layer: Layer) -> list[Any]:
    """Every point of sale or market (for export)."""
    with sessions() as session:
        if layer == "markets":
            return list(MarketRepository(session).list().items)
        return list(PointOfSaleRepository(session).list().items)
