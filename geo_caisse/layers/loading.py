"""Loading the territory's layers into the store, and importing or listing a layer.

Each use case opens one transaction and commits once, or writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import Market, PointOfSale
from geo_caisse.core.errors import ImportFileError, Problem
from geo_caisse.core.opening_hours import HOURS_FIX
from geo_caisse.core.progress import Progress, to_stderr
from geo_caisse.core.territory import Territory
from geo_caisse.io.formats import Layer
from geo_caisse.io.readers import load_neighbourhoods_file
from geo_caisse.io.validation import read_layer, read_numbered
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
    """What ``init`` loaded (``notes``: hours to be checked, one line each)."""

    neighbourhoods: int
    markets: UpsertResult
    points_of_sale: UpsertResult
    notes: list[str] = field(default_factory=list)


def note_lines(source: str, notes: list[Problem]) -> list[str]:
    """One line per note of an import (hours to be checked): where, why, and the fix."""
    return [f"note: {source}: {p}. Fix: {HOURS_FIX}" for p in notes]


def init_store(engine: Engine, sessions: sessionmaker[Session], territory: Territory,
               *, progress: Progress = to_stderr) -> InitSummary:
    """Migrate the schema and load the territory's bundled layers, in one transaction."""
    progress("migrating the schema…")
    upgrade(engine)
    paths = territory.layer_paths
    progress(f"reading {territory.name} layers from {territory.directory}…")
    neighbourhoods = load_neighbourhoods_file(paths["neighbourhoods"], territory)
    # markets are optional: no layer, or an empty one, is a territory without market
    market_notes: list[Problem] = []
    markets: list[Market] = (read_layer(paths["markets"], "markets", territory,
                                        allow_empty=True, notes=market_notes)
                             if "markets" in paths else [])
    point_notes: list[Problem] = []
    points: list[PointOfSale] = read_layer(paths["points_of_sale"], "points_of_sale", territory,
                                           notes=point_notes)
    notes = (note_lines(paths["markets"].name, market_notes) if market_notes else []) \
        + note_lines(paths["points_of_sale"].name, point_notes)
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
    return InitSummary(n, m, p, notes)


def import_layer(sessions: sessionmaker[Session], territory: Territory, path: Path | str,
                 layer: Layer, *, fmt: str | None = None, crs: str | None = None,
                 source: str | None = None, gpkg_layer: str | None = None) -> UpsertResult:
    """Validate a whole file, then upsert it by ``ref`` in one transaction: all or nothing.

    A point of sale naming a market the store does not hold is refused with its row. Hours
    the parser does not understand are written as they are, and listed in the result's
    ``notes``.
    """
    name = source or Path(path).name
    notes: list[Problem] = []
    numbered = read_numbered(path, layer, territory, fmt=fmt, crs=crs, source=name,
                             gpkg_layer=gpkg_layer, notes=notes)
    objs = [obj for _, obj in numbered]
    with sessions() as session:
        if layer == "markets":
            result = MarketRepository(session).upsert(objs)
        else:
            refs = sorted({p.market_ref for p in objs if p.market_ref})
            ids = MarketRepository(session).ids_by_ref(refs)
            unknown = [Problem(row, f"unknown market_ref {p.market_ref!r}: import the "
                                    "market first", "market_ref")
                       for row, p in numbered if p.market_ref and p.market_ref not in ids]
            if unknown:
                raise ImportFileError(name, unknown)
            result = PointOfSaleRepository(session).upsert(objs, ids)
            LedgerRepository(session).open_vendor_accounts()
        commit_or_conflict(session, f"import of {source or Path(path).name}")
    result.notes = note_lines(name, notes)
    return result


def list_layer(sessions: sessionmaker[Session], layer: Layer) -> list[Any]:
    """Every point of sale or market (for export)."""
    with sessions() as session:
        if layer == "markets":
            return list(MarketRepository(session).list().items)
        return list(PointOfSaleRepository(session).list().items)
