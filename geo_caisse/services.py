"""Use cases. Each opens one transaction and commits once, or writes nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse._errors import ConflictError, DataError, ValidationError
from geo_caisse.domain import Market, Neighbourhood, NeighbourhoodLevel, PointOfSale, Status
from geo_caisse.io import Layer, read_layer
from geo_caisse.spatial import nearest_straight_line
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.migrate import upgrade
from geo_caisse.storage.repositories import (
    MarketFilter,
    MarketRepository,
    NeighbourhoodRepository,
    PointOfSaleFilter,
    PointOfSaleRepository,
    UpsertResult,
)
from geo_caisse.territory import Territory

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class InitSummary:
    """What ``init`` loaded."""

    neighbourhoods: int
    markets: UpsertResult
    points_of_sale: UpsertResult


def load_neighbourhoods_file(path: Path) -> list[tuple[Neighbourhood, Any]]:
    """Read the territory's neighbourhoods GeoJSON (WGS84)."""
    if not path.is_file():
        raise DataError(f"neighbourhoods file {path} not found")
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, f in enumerate(doc.get("features", []), start=1):
        p = f["properties"]
        try:
            extra = p.get("extra") or {}
            if isinstance(extra, str):
                extra = json.loads(extra)
            n = Neighbourhood(
                code=str(p["code"]), name=str(p["name"]),
                level=NeighbourhoodLevel(p["level"]),
                population=None if p.get("population") is None else int(p["population"]),
                population_year=None if p.get("population_year") is None
                else int(p["population_year"]),
                parent_code=p.get("parent_code"),
                median_income_uc_eur=p.get("median_income_uc_eur"),
                benefit_dependent_share=p.get("benefit_dependent_share"), extra=extra,
            )
            geom = shape(f["geometry"])
        except (KeyError, ValueError, TypeError) as exc:
            raise DataError(f"{path} feature {i}: {exc}") from exc
        if not geom.is_valid or geom.is_empty:
            raise DataError(f"{path} feature {i} ({n.code}): invalid or empty geometry")
        out.append((n, geom))
    return out


def commit_or_conflict(session: Session, what: str) -> None:
    """Commit, or roll back and raise :class:`ConflictError` naming what the store refused."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"{what}: the store refused the change ({exc.orig})") from exc


def init_store(engine: Engine, sessions: sessionmaker[Session], territory: Territory,
               *, progress: Progress = _stderr) -> InitSummary:
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


def set_status(sessions: sessionmaker[Session], pos_id: int, status: Status,
               *, accepts_mona: bool | None = None) -> PointOfSale:
    """Change a point of sale's status (the committee's decision)."""
    with sessions() as session:
        pos = PointOfSaleRepository(session).set_status(pos_id, status, accepts_mona=accepts_mona)
        LedgerRepository(session).open_vendor_accounts()
        commit_or_conflict(session, f"status of point of sale {pos_id}")
    return pos


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
            statuses=[Status.CONVENTIONNE], accepts_mona=True, open_on=open_on)).items
    found = nearest_straight_line(lon, lat, [p.lon for p in items], [p.lat for p in items],
                                  n=n, metric_crs=territory.metric_crs)
    return [NearestResult(items[i], float(d))
            for i, d in zip(found.index, found.distance_m, strict=True)]


__all__ = [
    "InitSummary",
    "MarketFilter",
    "NearestResult",
    "PointOfSaleFilter",
    "import_layer",
    "init_store",
    "list_layer",
    "load_neighbourhoods_file",
    "nearest_conventionnes",
    "set_status",
]
