"""The committee's decision on a point of sale: its status, and the history of its statuses
(every change recorded with who made it and why, whether from the command line, the API or
a dossier's decision)."""

from __future__ import annotations

import getpass

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import PointOfSale, Status
from geo_caisse.storage.conventionnement import StatusHistoryRepository
from geo_caisse.storage.layers import PointOfSaleRepository
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.transaction import commit_or_conflict


def apply_status(session: Session, pos_id: int, status: Status, *, by: str, reason: str,
                 accepts_mona: bool | None = None, decision_id: int | None = None
                 ) -> PointOfSale:
    """Change the status inside the caller's transaction and record the change (the one
    path every status change takes)."""
    points = PointOfSaleRepository(session)
    before = points.get(pos_id)
    pos = points.set_status(pos_id, status, accepts_mona=accepts_mona)
    StatusHistoryRepository(session).record(
        pos_id, before=before.status.value, after=pos.status.value,
        accepts_mona=pos.accepts_mona, by=by[:80], reason=reason[:200], decision_id=decision_id)
    LedgerRepository(session).open_vendor_accounts()
    return pos


def set_status(sessions: sessionmaker[Session], pos_id: int, status: Status,
               *, accepts_mona: bool | None = None, by: str = "",
               reason: str = "changement direct") -> PointOfSale:
    """Change a point of sale's status (the committee's decision), recording who and why."""
    with sessions() as session:
        pos = apply_status(session, pos_id, status, accepts_mona=accepts_mona,
                           by=by or "inconnu", reason=reason)
        commit_or_conflict(session, f"status of point of sale {pos_id}")
    return pos


def set_status_by_ref(sessions: sessionmaker[Session], ref: str, status: Status,
                      *, accepts_mona: bool | None = None, by: str | None = None
                      ) -> PointOfSale:
    """As :func:`set_status`, the point of sale named by its ``ref`` (the command line: the
    change is recorded as made by the system user running it)."""
    with sessions() as session:
        pos_id = PointOfSaleRepository(session).get_by_ref(ref).id
    assert pos_id is not None
    return set_status(sessions, pos_id, status, accepts_mona=accepts_mona,
                      by=by or f"{getpass.getuser()} (ligne de commande)",
                      reason="ligne de commande")


def status_history(sessions: sessionmaker[Session], pos_id: int) -> list[dict[str, object]]:
    """A point of sale's status changes, oldest first."""
    with sessions() as session:
        PointOfSaleRepository(session).get(pos_id)
        return [{"status_before": r.status_before, "status_after": r.status_after,
                 "accepts_mona": r.accepts_mona, "changed_at": r.changed_at,
                 "changed_by": r.changed_by, "reason": r.reason,
                 "dossier_decision_id": r.dossier_decision_id}
                for r in StatusHistoryRepository(session).of(pos_id)]
