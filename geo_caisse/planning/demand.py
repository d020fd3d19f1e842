"""The demand near a point of sale, for its producer: people and members within 5, 10 and 15
minutes' walk, the Mona those members receive each month, and where the Mona spent there
comes from — every member figure a sum of areas of at least 11 members.

Members are counted by the areas of the flows' adaptive grid (each holds ``≥ k`` members'
homes, the same areas the coordinators' heatmap publishes). An area counts in a band when
the median walk from its members' home cells to the point of sale is within the band; an
area whose active members are 1 to ``k - 1`` is left out (and said so). So every published
count, and every difference between two counts (two bands, two points of sale, this and
the heatmap), is a union of whole areas: 0 or at least ``k`` members.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.cells import cell_centres
from geo_caisse.core.crs import WGS84, reproject, transformer
from geo_caisse.core.errors import NotFoundError, ValidationError
from geo_caisse.core.privacy import AdaptiveGrid, check_min_members
from geo_caisse.storage.layers import PointOfSaleRepository
from geo_caisse.storage.models import MemberRow
from geo_caisse.walk.accessibility import Accessibility, Destinations
from geo_caisse.walk.missing import low_income_missing

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.flows import MonaFlows
    from geo_caisse.walk.service import WalkingService

BANDS_MIN = (5, 10, 15)


def _active_members(sessions: sessionmaker[Session]) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    with sessions() as session:
        rows = session.execute(select(MemberRow.id, MemberRow.home_cell_x_m,
                                      MemberRow.home_cell_y_m, MemberRow.status)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    x = cell_centres([r[1] for r in rows])
    y = cell_centres([r[2] for r in rows])
    active = np.array([r[3] == "active" for r in rows], dtype=bool)
    return ids, np.column_stack([x, y]), active


def producer_demand(walking: WalkingService, sessions: sessionmaker[Session],
                    territory: Territory, point_of_sale_id: int, *,
                    flows: MonaFlows | None = None, year: str | None = None,
                    today: date | None = None) -> dict[str, Any]:
    """The demand around one point of sale (see the module's docstring); where the Mona spent
    there comes from in ``year`` (default: the latest complete year, with the current year
    to date beside it as ``to_date``)."""
    k = check_min_members(territory.caisse.min_members_per_cell)
    with sessions() as session:
        try:
            pos = PointOfSaleRepository(session).get(point_of_sale_id)
        except NotFoundError:
            raise NotFoundError(f"no point of sale with id {point_of_sale_id}") from None
    network, pop = walking.network, walking.population
    x, y = transformer(WGS84, network.crs).transform([pos.lon], [pos.lat])
    access = Accessibility(network, Destinations.at(network, [float(x[0])], [float(y[0])]),
                           pop, walk_speed_kmh=territory.access.walk_speed_kmh)
    snap = float(access.destinations.offset_m[0])
    if walking.territory.network and snap > walking.territory.network.max_snap_m:
        raise ValidationError(f"point of sale {point_of_sale_id} is {snap:.0f} m from the "
                              "walking network: no walking times there")
    # people (census estimates) within each band; low-income people unknown (None) when
    # the territory holds no income
    t_point = access.point_time_min
    no_income = low_income_missing(territory, pop)
    bands: list[dict[str, Any]] = []
    for minutes in BANDS_MIN:
        inside = np.nan_to_num(t_point, nan=np.inf) <= minutes
        bands.append({"minutes": minutes, "people": round(float(pop.population[inside].sum())),
                      "low_income_people": None if no_income else round(float(
                          pop.low_income[inside].sum()))})
    # members, by whole areas of the grid
    ids, homes, active = _active_members(sessions)
    if flows is not None:
        grid = flows.grid
        index = {int(m): i for i, m in enumerate(flows.data.member_ids)}
        leaf = np.array([grid.member_leaf[index[int(m)]] if int(m) in index else -1
                         for m in ids], dtype=np.int32)
    else:
        grid = AdaptiveGrid.build(np.where(active, homes[:, 0], np.nan),
                                  np.where(active, homes[:, 1], np.nan),
                                  crs=territory.metric_crs, min_members=k)
        leaf = grid.member_leaf
    known = np.isfinite(homes[:, 0]) & (leaf >= 0) & active
    node, off = network.snap(homes[known, 0], homes[known, 1])
    t_member = np.full(ids.size, np.inf)
    t_member[known] = (access.dist_m[node] + off) / access.m_per_min
    withheld = 0
    leaf_time = np.full(grid.n_leaves, np.inf)
    leaf_active = np.zeros(grid.n_leaves, dtype=np.int64)
    for lf in range(grid.n_leaves):
        mine = known & (leaf == lf)
        n = int(mine.sum())
        if n == 0:
            continue
        if n < k:
            withheld += 1
            continue
        leaf_active[lf] = n
        leaf_time[lf] = float(np.median(t_member[mine]))
    allocation = float(territory.caisse.monthly_allocation_mona)
    codes = grid.leaf_codes()
    for band in bands:
        within = np.flatnonzero(leaf_time <= band["minutes"])
        members = int(leaf_active[within].sum())
        band["members"] = members
        band["areas"] = [codes[i] for i in within]
        band["mona_allocated_per_month"] = round(members * allocation)
    # the counted areas, for the map: their outline and band (no count of their own)
    features = []
    for near in np.flatnonzero(leaf_time <= BANDS_MIN[-1]).tolist():
        reach = next(m for m in BANDS_MIN if leaf_time[near] <= m)
        geom = reproject(grid.leaf_geometry(near), territory.metric_crs, WGS84)
        features.append({"type": "Feature", "geometry": mapping(geom),
                         "properties": {"area": codes[near], "within_min": reach}})
    out: dict[str, Any] = {
        "point_of_sale": {"id": pos.id, "name": pos.name, "kind": pos.kind.value,
                          "lon": pos.lon, "lat": pos.lat},
        "areas": {"type": "FeatureCollection", "features": features},
        "min_members": k, "bands": bands,
        "areas_withheld": withheld,
        "method": ("members counted by whole areas of >= "
                   f"{k} members, by the median walk of each area's homes"),
        "people_source": "census estimates spread over address points",
        "unavailable": {} if no_income is None else {"low_income": no_income},
    }
    if flows is not None and flows.years():
        years = flows.years()
        today = today or datetime.now(ZoneInfo(territory.timezone)).date()
        this_year = str(today.year)
        if year is None:
            # the latest complete year; the current one comes beside it, to date
            complete = [y for y in years if y < this_year]
            year = complete[-1] if complete else flows.year_or_latest(None)
        out["years"] = years
        out["year"] = year
        out.update(_received(flows, point_of_sale_id, year))
        out["to_date"] = (_to_date(flows, point_of_sale_id, today)
                          if this_year in years and this_year != year else None)
    return out


def _to_date(flows: MonaFlows, point_of_sale_id: int, today: date) -> dict[str, Any] | None:
    """The current year's months already over (a month's figure is fixed once it ends, so no
    two publications can be subtracted to isolate fewer payers than the minimum group);
    no origins until the year is complete."""
    current = f"{today:%Y-%m}"
    got = _received(flows, point_of_sale_id, str(today.year))["received_by_month"]
    if got is None:
        return None
    months = [m for m in got["months"] if m["month"] < current]
    return {**got, "months": months, "through": months[-1]["month"] if months else None}


def _received(flows: MonaFlows, point_of_sale_id: int, year: str) -> dict[str, Any]:
    """Where the MonA spent at a point of sale in ``year`` comes from, and by month."""
    try:
        return {"spent_here": flows.homes.basin(point_of_sale_id, year),
                "received_by_month": flows.vendors.months(point_of_sale_id, year)}
    except ValidationError:  # no Mona account: not a conventionné yet
        return {"spent_here": None, "received_by_month": None}


__all__ = ["BANDS_MIN", "producer_demand"]
