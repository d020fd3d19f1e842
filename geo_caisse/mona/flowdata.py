"""The ledger's movements as arrays, read once for the flows (in-process, never published)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from shapely import contains_xy, union_all
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.cells import cell_centres
from geo_caisse.core.territory import Territory
from geo_caisse.storage.layers import (
    MarketRepository,
    NeighbourhoodRepository,
    PointOfSaleRepository,
)
from geo_caisse.storage.ledger import LedgerRepository


@dataclass
class FlowData:
    """The ledger's movements as arrays (in-process, never published as such)."""

    months: list[str]
    member_ids: NDArray[np.int64]
    member_x_m: NDArray[np.float64]    # home cell centres, NaN when unknown
    member_y_m: NDArray[np.float64]
    vendor_pos_ids: NDArray[np.int64]
    vendor_refs: list[str]
    vendor_names: list[str]
    vendor_kinds: list[str]
    vendor_market: NDArray[np.int64]   # market id, -1 when not a stall
    vendor_lon: NDArray[np.float64]
    vendor_lat: NDArray[np.float64]
    vendor_in_centre: NDArray[np.bool_]
    payer: NDArray[np.int32]
    payee: NDArray[np.int32]
    cents: NDArray[np.int64]
    month: NDArray[np.int16]
    # other movements: (kind, member index or -1, month, cents)
    other_kind: list[str] = field(default_factory=list)
    other_member: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    other_month: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16))
    other_cents: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    # vendor → vendor
    v2v_from: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    v2v_to: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    v2v_cents: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    v2v_month: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16))
    markets: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    synthetic: bool = False

    @property
    def n_members(self) -> int:
        return int(self.member_ids.size)

    @property
    def n_vendors(self) -> int:
        return int(self.vendor_pos_ids.size)


def load_flow_data(sessions: sessionmaker[Session], territory: Territory) -> FlowData:
    """Read the members' home cells, the points of sale and every transfer into arrays."""
    with sessions() as session:
        ledger = LedgerRepository(session)
        members = ledger.member_homes()
        rows = ledger.movements()
        pos = PointOfSaleRepository(session).list().items
        market_list = MarketRepository(session).list().items
        zones = NeighbourhoodRepository(session).list().items
    markets = {int(m.id or 0): (m.name, m.lon, m.lat) for m in market_list}
    market_ids = {m.ref: int(m.id or 0) for m in market_list}
    centre_codes = set(territory.caisse.centre)
    centre = union_all([g for n, g in zones if n.code in centre_codes]) if centre_codes else None
    member_index = {int(m[0]): i for i, m in enumerate(members)}
    mx = cell_centres([m[1] for m in members])
    my = cell_centres([m[2] for m in members])
    lon = np.array([p.lon for p in pos], dtype=np.float64)
    lat = np.array([p.lat for p in pos], dtype=np.float64)
    in_centre = (contains_xy(centre, lon, lat) if centre is not None and not centre.is_empty
                 else np.zeros(lon.size, dtype=bool))
    vendor_index = {p.id: i for i, p in enumerate(pos)}
    def month_of(moment: datetime) -> str:
        return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m")

    months = sorted({month_of(r[1]) for r in rows})
    month_index = {m: i for i, m in enumerate(months)}
    payer, payee, cents, month = [], [], [], []
    o_kind, o_member, o_month, o_cents = [], [], [], []
    f_from, f_to, f_cents, f_month = [], [], [], []
    for kind, at, amount, payer_member, payee_member, payer_pos, payee_pos, contrib in rows:
        t = month_index[month_of(at)]
        if kind == "payment" and payer_member is not None and payee_pos is not None:
            payer.append(member_index[payer_member])
            payee.append(vendor_index[payee_pos])
            cents.append(amount)
            month.append(t)
        elif kind == "vendor_payment" and payer_pos is not None and payee_pos is not None:
            f_from.append(vendor_index[payer_pos])
            f_to.append(vendor_index[payee_pos])
            f_cents.append(amount)
            f_month.append(t)
        else:
            who = payee_member if kind == "allocation" else (
                contrib if kind == "contribution" else payer_member or payee_member)
            o_kind.append(kind)
            o_member.append(-1 if who is None else member_index[who])
            o_month.append(t)
            o_cents.append(amount)
    return FlowData(
        months=months, member_ids=np.array([m[0] for m in members], dtype=np.int64),
        member_x_m=mx, member_y_m=my,
        vendor_pos_ids=np.array([p.id for p in pos], dtype=np.int64),
        vendor_refs=[p.ref for p in pos], vendor_names=[p.name for p in pos],
        vendor_kinds=[p.kind.value for p in pos],
        vendor_market=np.array([market_ids[p.market_ref] if p.market_ref else -1 for p in pos],
                               dtype=np.int64),
        vendor_lon=lon, vendor_lat=lat, vendor_in_centre=np.asarray(in_centre, dtype=bool),
        payer=np.array(payer, dtype=np.int32), payee=np.array(payee, dtype=np.int32),
        cents=np.array(cents, dtype=np.int64), month=np.array(month, dtype=np.int16),
        other_kind=o_kind, other_member=np.array(o_member, dtype=np.int32),
        other_month=np.array(o_month, dtype=np.int16),
        other_cents=np.array(o_cents, dtype=np.int64),
        v2v_from=np.array(f_from, dtype=np.int32), v2v_to=np.array(f_to, dtype=np.int32),
        v2v_cents=np.array(f_cents, dtype=np.int64),
        v2v_month=np.array(f_month, dtype=np.int16), markets=markets,
        synthetic=any(bool(m[3]) for m in members),
    )
