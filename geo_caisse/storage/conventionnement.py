"""Conventionnement dossiers and the history of statuses, on one session (never commits)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_caisse.core.errors import ConflictError, NotFoundError
from geo_caisse.storage.models import (
    DossierAttachmentRow,
    DossierCriterionRow,
    DossierDecisionRow,
    DossierRow,
    PointOfSaleRow,
    StatusChangeRow,
)


class DossierRepository:
    """Dossiers, their criteria, attachments and decisions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, point_of_sale_id: int, *, proposed_by: str, by: str,
             suggestion_id: int | None = None) -> DossierRow:
        if self.session.get(PointOfSaleRow, point_of_sale_id) is None:
            raise NotFoundError(f"no point of sale with id {point_of_sale_id}")
        if self.for_point_of_sale(point_of_sale_id) is not None:
            raise ConflictError(f"point of sale {point_of_sale_id} already has a dossier")
        row = DossierRow(point_of_sale_id=point_of_sale_id, proposed_by=proposed_by,
                         suggestion_id=suggestion_id, opened_by=by)
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, dossier_id: int, *, for_update: bool = False) -> DossierRow:
        row = self.session.get(DossierRow, dossier_id, with_for_update=for_update)
        if row is None:
            raise NotFoundError(f"no dossier with id {dossier_id}")
        return row

    def for_point_of_sale(self, point_of_sale_id: int) -> DossierRow | None:
        return self.session.scalars(select(DossierRow).where(
            DossierRow.point_of_sale_id == point_of_sale_id)).first()

    def all(self) -> list[DossierRow]:
        return list(self.session.scalars(select(DossierRow).order_by(DossierRow.id)))

    def touch(self, row: DossierRow) -> None:
        row.updated_at = datetime.now(UTC)
        self.session.flush()

    def criteria(self, dossier_id: int) -> list[DossierCriterionRow]:
        return list(self.session.scalars(select(DossierCriterionRow).where(
            DossierCriterionRow.dossier_id == dossier_id)))

    def criteria_counts(self) -> dict[int, dict[str, int]]:
        """Per dossier, how many criteria are met, not met, unknown (answered ones)."""
        out: dict[int, dict[str, int]] = {}
        rows = self.session.execute(select(DossierCriterionRow.dossier_id,
                                           DossierCriterionRow.state, func.count())
                                    .group_by(DossierCriterionRow.dossier_id,
                                              DossierCriterionRow.state))
        for dossier_id, state, n in rows:
            out.setdefault(int(dossier_id), {})[str(state)] = int(n)
        return out

    def set_criterion(self, dossier_id: int, key: str, *, state: str, comment: str | None,
                      by: str) -> DossierCriterionRow:
        row = self.session.get(DossierCriterionRow, (dossier_id, key))
        if row is None:
            row = DossierCriterionRow(dossier_id=dossier_id, key=key, state=state,
                                      comment=comment, updated_by=by)
            self.session.add(row)
        else:
            row.state, row.comment, row.updated_by = state, comment, by
            row.updated_at = datetime.now(UTC)
        self.session.flush()
        return row

    def attachments(self, dossier_id: int) -> list[DossierAttachmentRow]:
        return list(self.session.scalars(select(DossierAttachmentRow).where(
            DossierAttachmentRow.dossier_id == dossier_id).order_by(DossierAttachmentRow.id)))

    def attach(self, dossier_id: int, reference: str, *, by: str) -> DossierAttachmentRow:
        row = DossierAttachmentRow(dossier_id=dossier_id, reference=reference, added_by=by)
        self.session.add(row)
        self.session.flush()
        return row

    def decisions(self, dossier_id: int) -> list[DossierDecisionRow]:
        return list(self.session.scalars(select(DossierDecisionRow).where(
            DossierDecisionRow.dossier_id == dossier_id).order_by(DossierDecisionRow.id)))

    def latest_decisions(self) -> dict[int, DossierDecisionRow]:
        """Each dossier's latest decision."""
        latest = (select(DossierDecisionRow.dossier_id,
                         func.max(DossierDecisionRow.id).label("id"))
                  .group_by(DossierDecisionRow.dossier_id).subquery())
        rows = self.session.scalars(select(DossierDecisionRow).join(
            latest, DossierDecisionRow.id == latest.c.id))
        return {r.dossier_id: r for r in rows}

    def decide(self, dossier_id: int, decision: str, *, decided_on: date, by: str,
               votes: tuple[int | None, int | None, int | None] = (None, None, None),
               note: str | None = None) -> DossierDecisionRow:
        row = DossierDecisionRow(dossier_id=dossier_id, decision=decision,
                                 decided_on=decided_on, votes_for=votes[0],
                                 votes_against=votes[1], votes_abstention=votes[2], note=note,
                                 recorded_by=by)
        self.session.add(row)
        self.session.flush()
        return row


class StatusHistoryRepository:
    """Every change of a point of sale's status (append-only)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, point_of_sale_id: int, *, before: str, after: str, accepts_mona: bool,
               by: str, reason: str, decision_id: int | None = None) -> StatusChangeRow:
        row = StatusChangeRow(point_of_sale_id=point_of_sale_id, status_before=before,
                              status_after=after, accepts_mona=accepts_mona, changed_by=by,
                              reason=reason, dossier_decision_id=decision_id)
        self.session.add(row)
        self.session.flush()
        return row

    def of(self, point_of_sale_id: int) -> list[StatusChangeRow]:
        return list(self.session.scalars(select(StatusChangeRow).where(
            StatusChangeRow.point_of_sale_id == point_of_sale_id).order_by(
            StatusChangeRow.id)))


__all__ = ["DossierRepository", "StatusHistoryRepository"]
