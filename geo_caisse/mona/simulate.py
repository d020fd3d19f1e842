"""A seeded simulator of a year of caisse activity — SYNTHETIC data, clearly labelled.

No real member or transaction data exists in the open, so the demo and the tests use
this. Every simulated member is stored with ``synthetic = true`` and a pseudonym
starting ``syn-``; the transactions are written as a CSV in the import contract of
:mod:`geo_caisse.mona.transactions` (so the simulator exercises the real import path).

The model, kept simple and stated:

- **Members** live in the territory's neighbourhoods in proportion to their population
  (``city_share`` in the city's sous-quartiers, the rest in the other communes), at a
  uniformly drawn point of the neighbourhood. Income quartile leans on the
  neighbourhood's median income (a low-income neighbourhood draws more Q1 members); age
  band 30/50/20 %. 70 % join in January, the rest through the year; 5 % leave.
- **Contributions** follow the caisse's indicative grid by quartile (10, 30, 60, 100 €),
  with a ±50 % spread, clipped to the caisse's bounds; the state tops up
  ``state_topup_share`` of them; a public grant covers the rest of the Mona issued.
- **Spending** (gravity model): each member keeps 3–5 favourite conventionnés drawn
  with weight ``attractiveness × exp(-distance / 1.5 km)`` (cooperative 5, épicerie 2,
  shop 1, market stall 1.5); 80 % of baskets go to favourites, the rest to any
  conventionné by the same weights. Baskets are log-normal (median 14 Mona) until
  85–100 % of the month's Mona is spent. A market stall is paid on its market's days.
- **Vendors** pay 15 % of what shops receive to producers and market stalls, and
  reconvert the rest of their month's Mona to euros at the month's end.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from geoalchemy2.shape import to_shape
from shapely import contains_xy
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.cells import cell_corner
from geo_caisse.core.crs import WGS84, lonlat_to_metric, reproject
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.core.territory import Territory
from geo_caisse.mona.accounts import member_leaves, register_members
from geo_caisse.storage.layers import takes_mona_clause
from geo_caisse.storage.models import MarketRow, NeighbourhoodRow, PointOfSaleRow

ATTRACTIVENESS = {"cooperative": 5.0, "epicerie": 2.0, "shop": 1.0, "market_stall": 1.5,
                  "producer": 1.5, "amap": 1.0}
DISTANCE_DECAY_M = 1500.0
QUARTILE_CONTRIBUTION = (10, 30, 60, 100)


@dataclass(frozen=True)
class Simulation:
    """The synthetic year: how many members and movements, and the CSV to import."""

    year: int
    seed: int
    members: int
    csv_bytes: bytes
    movements: int


def _sample_in(poly: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 16), 2))
        out = np.vstack([out, pts[contains_xy(poly, pts[:, 0], pts[:, 1])]])
    return out[:n]


def simulate_year(sessions: sessionmaker[Session], territory: Territory, *, year: int,
                  members: int = 400, seed: int = 2025, city_code: str | None = None,
                  city_share: float = 0.85, progress: Progress = quiet) -> Simulation:
    """Register ``members`` synthetic members and return a year of movements as CSV:
    ``city_share`` of them in the city (``city_code``, default: the communes the territory's
    walking network covers, ``[network] coverage``), the others in its other communes."""
    if not 11 <= members <= 200_000:
        raise ValidationError(f"members must be between 11 and 200000, got {members}")
    rng = np.random.default_rng(seed)
    metric = territory.metric_crs
    with sessions() as session:
        # every list in a stated order of natural keys (never the backend's row order, nor
        # ids): the same seed gives the same year on SpatiaLite and PostGIS
        zones = session.scalars(select(NeighbourhoodRow).order_by(
            NeighbourhoodRow.level, NeighbourhoodRow.code)).all()
        pos = session.scalars(select(PointOfSaleRow).where(
            takes_mona_clause()).order_by(PointOfSaleRow.ref)).all()
        market_days = {m.id: m.open_days for m in session.scalars(select(MarketRow))}
    if not pos:
        raise ValidationError("no conventionné accepts the Mona: nothing to simulate")
    finest, coarsest = territory.finest.code, territory.coarsest.code
    in_city = ({city_code} if city_code is not None else
               set(territory.network.coverage) if territory.network else set())
    city = [z for z in zones if z.level == finest and z.population]
    # the city's own communes (an IRIS's commune, a sous-quartier's): not "other communes"
    parent = {z.code: z.parent_code for z in zones}
    around = set()
    for z in city:
        code: str | None = z.code
        while code is not None and code not in around:
            around.add(code)
            code = parent.get(code)
    others = [z for z in zones if z.level == coarsest and in_city and z.code not in in_city
              and z.code not in around and z.population and finest != coarsest]
    if not city:
        city = [z for z in zones if z.level == coarsest and z.population]
        others = []
    # --- members: homes, profiles, entry and exit ------------------------------------
    n_city = members if not others else round(members * city_share)
    homes: list[tuple[float, float, str, float | None]] = []
    for group, n in ((city, n_city), (others, members - n_city)):
        if n <= 0:
            continue
        weights = np.array([z.population for z in group], dtype=float)
        picks = rng.choice(len(group), size=n, p=weights / weights.sum())
        for zi in np.unique(picks):
            zone = group[zi]
            poly = reproject(to_shape(zone.geom), WGS84, metric)
            for x, y in _sample_in(poly, int((picks == zi).sum()), rng):
                homes.append((float(x), float(y), zone.code, zone.median_income_uc_eur))
    incomes = np.array([h[3] if h[3] is not None else np.nan for h in homes])
    median = np.nanmedian(incomes) if np.isfinite(incomes).any() else np.nan
    specs = []
    for i, (x, y, code, income) in enumerate(homes):
        lean = 0.0 if income is None or not np.isfinite(median) else float(
            np.clip((median - income) / median, -0.5, 0.5))
        p = np.array([0.25 + lean / 2, 0.25 + lean / 6, 0.25 - lean / 6, 0.25 - lean / 2])
        quartile = int(rng.choice(4, p=p / p.sum())) + 1
        joined = date(year, 1, 1) if rng.random() < 0.7 else date(
            year, int(rng.integers(2, 13)), int(rng.integers(1, 29)))
        specs.append(dict(
            pseudonym=f"syn-{seed}-{i:05d}", joined_on=joined,
            home_cell=cell_corner(x, y),
            neighbourhood_code=code, income_quartile=quartile,
            age_band=("<30", "30-60", ">60")[int(rng.choice(3, p=[0.3, 0.5, 0.2]))],
            synthetic=True))
    registered = register_members(sessions, specs)
    progress(f"simulation: {len(registered):,} synthetic members registered")
    leave = {m.id: date(year, int(rng.integers(3, 13)), 1) - timedelta(days=1)
             for m in registered if rng.random() < 0.05}
    leave = {mid: on for mid, on in leave.items()
             if on >= next(m.joined_on for m in registered if m.id == mid)}
    for mid, on in leave.items():
        member_leaves(sessions, mid, on=on)
    # --- vendors and the gravity model ------------------------------------------------
    coords = [to_shape(p.geom).coords[0] for p in pos]
    vx, vy = lonlat_to_metric([c[0] for c in coords], [c[1] for c in coords], metric_crs=metric)
    attract = np.array([ATTRACTIVENESS.get(p.kind, 1.0) for p in pos])
    hx = np.array([h[0] for h in homes])
    hy = np.array([h[1] for h in homes])
    dist = np.hypot(hx[:, None] - vx[None, :], hy[:, None] - vy[None, :])
    gravity = attract[None, :] * np.exp(-dist / DISTANCE_DECAY_M)
    gravity /= gravity.sum(axis=1, keepdims=True)
    favourites = [rng.choice(len(pos), size=min(len(pos), int(rng.integers(3, 6))),
                             replace=False, p=gravity[i]) for i in range(len(homes))]
    days_of = []
    for sale in pos:
        open_days = market_days.get(sale.market_id) if sale.market_id else sale.open_days
        days_of.append([d for d in range(7) if open_days and open_days[d] == "1"] or
                       list(range(7)))
    producer = np.array([p.kind in ("producer", "amap", "market_stall") for p in pos])
    rows: list[list[str]] = []
    rules = territory.caisse
    allocation = rules.monthly_allocation_mona

    def emit(at: datetime, payer: str, payee: str, cents: int, *, currency: str = "MONA",
             event: str = "", reference: str = "", funder: str = "", member: str = "") -> None:
        rows.append([at.isoformat(), payer, payee, f"{cents / 100:.2f}", currency, event,
                     reference, funder, member])

    balance = np.zeros(len(registered), dtype=np.int64)
    for month in range(1, 13):
        first = datetime(year, month, 1, 8, 0)
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0)
        n_days = (nxt.date() - first.date()).days
        active = [i for i, m in enumerate(registered)
                  if m.joined_on < nxt.date() and leave.get(m.id, date.max) >= first.date()]
        contributions = 0
        for i in active:
            m = registered[i]
            emit(first, "mona:issuance", f"member:{m.pseudonym}", int(allocation * 100),
                 reference=f"allocation {first:%Y-%m}")
            balance[i] += int(allocation * 100)
            base = QUARTILE_CONTRIBUTION[(m.income_quartile or 2) - 1]
            euros = int(min(max(Decimal(round(base * rng.uniform(0.5, 1.5))),
                                rules.contribution_min_eur), rules.contribution_max_eur))
            contributions += euros * 100
            emit(first, "eur:inflow", "eur:treasury", euros * 100, currency="EUR",
                 reference=f"contribution {first:%Y-%m}", member=m.pseudonym)
        topup = int(Decimal(contributions) * rules.state_topup_share)
        if topup:
            emit(first, "eur:inflow", "eur:treasury", topup, currency="EUR",
                 funder="state_topup", reference=f"state top-up {first:%Y-%m}")
        grant = max(0, len(active) * int(allocation * 100) - contributions - topup)
        if grant:
            emit(first, "eur:inflow", "eur:treasury", grant, currency="EUR", funder="public",
                 reference=f"public grant {first:%Y-%m}")
        received = np.zeros(len(pos), dtype=np.int64)
        for i in active:
            m = registered[i]
            target = int(balance[i] * rng.uniform(0.85, 1.0))
            spent = 0
            while True:
                basket = round(rng.lognormal(np.log(14.0), 0.5) * 100)
                if spent + basket > target or basket <= 0:
                    break
                v = (int(rng.choice(favourites[i])) if rng.random() < 0.8
                     else int(rng.choice(len(pos), p=gravity[i])))
                open_dates = [d for d in range(n_days)
                              if (first + timedelta(days=d)).weekday() in days_of[v]]
                day = int(rng.choice(open_dates))
                when = first + timedelta(days=day, hours=int(rng.integers(1, 11)))
                emit(when, f"member:{m.pseudonym}", f"vendor:{pos[v].ref}", basket)
                spent += basket
                received[v] += basket
            balance[i] -= spent
        end = nxt - timedelta(hours=2)
        for v in (int(i) for i in np.flatnonzero(received)):
            keep = int(received[v])
            if not producer[v] and producer.any():
                share = int(received[v] * 0.15)
                target_v = int(rng.choice(np.flatnonzero(producer)))
                if share:
                    emit(end - timedelta(hours=1), f"vendor:{pos[v].ref}",
                         f"vendor:{pos[target_v].ref}", share, reference="achat producteur")
                    keep -= share
                    received[target_v] += share
            received[v] = keep
        for v in (int(i) for i in np.flatnonzero(received)):
            event = f"reconversion-{year}-{month:02d}-{pos[v].ref}"
            emit(end, f"vendor:{pos[v].ref}", "mona:reconversion", int(received[v]),
                 event=event, reference="reconversion")
            emit(end, "eur:treasury", "eur:payout", int(received[v]), currency="EUR",
                 event=event, reference="reconversion")
        progress(f"simulation: {year}-{month:02d} done ({len(rows):,} movements)")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "payer", "payee", "amount", "currency", "event", "reference",
                     "funder", "member"])
    writer.writerows(rows)
    return Simulation(year, seed, len(registered), out.getvalue().encode(), len(rows))


__all__ = ["Simulation", "simulate_year"]
