"""The committee's decision on a point of sale: its status."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import PointOfSale, Status
from geo_caisse.storage.layers import (
    PointOfSaleRepository,
)
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.transaction import commit_or_conflict


def set_status(sessions: sessionmaker[Session], pos_id: int, status: Status,
               *, accepts_mona: bool | None = None) -> PointOfSale:
    """Change a point of sale's status (the committee's decision)."""
    with sessions() as session:
        pos = PointOfSaleRepository(session).set_status(pos_id, status, accepts_mona=accepts_mona)
        LedgerRepository(session).open_vendor_accounts()
        commit_or_conflict(session, f"status of point of sale {pos_id}")
    return pos


def set_status_by_ref(sessions: sessionmaker[Session], ref: str, status: Status,
                      *, accepts_mona: bool | None = None) -> PointOfSale:
    """As :func:`set_status`, the point of sale named by its ``ref`` (the command line)."""
    with sessions() as session:
        pos_id = PointOfSaleRepository(session).get_by_ref(ref).id
    assert pos_id is not None
    return set_status(sessions, pos_id, status, accepts_mona=accepts_mona)
