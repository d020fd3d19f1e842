"""Conventionnement dossiers: the committee's file on each candidate point of sale.

A dossier holds who proposed the place (a coordinator, a member through the public form),
the territory's criteria grid answered one criterion at a time (met, not met, unknown, with a
comment), references to the documents the committee holds, the meeting it goes to, and the
committee's decisions (conventionné, refusé, suspendu, with the vote count if there was one).
A decision changes the point of sale's status through :func:`~geo_caisse.layers.status.
apply_status`, the same path as the command line, in the same transaction: the status
history records who decided, when and through which decision.

Stages, for the map and the list: ``a_instruire`` (no criterion answered yet),
``en_examen`` (answered in part or whole, no decision), then the latest decision's:
``conventionne``, ``refuse``, ``suspendu``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import PointOfSale, Status
from geo_caisse.core.errors import ValidationError
from geo_caisse.layers._text import free_text
from geo_caisse.layers.status import apply_status
from geo_caisse.storage.conventionnement import DossierRepository, StatusHistoryRepository
from geo_caisse.storage.layers import PointOfSaleRepository
from geo_caisse.storage.models import (
    CRITERION_STATES,
    DECISIONS,
    DossierDecisionRow,
    DossierRow,
)
from geo_caisse.storage.transaction import commit_or_conflict

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory

STAGES = ("a_instruire", "en_examen", "conventionne", "refuse", "suspendu")
STATUS_OF_DECISION = {"conventionne": Status.CONVENTIONNE, "refuse": Status.CANDIDATE,
                      "suspendu": Status.SUSPENDED}


def _stage(counts: dict[str, int], latest: DossierDecisionRow | None) -> str:
    if latest is not None:
        return latest.decision
    return "en_examen" if sum(counts.values()) else "a_instruire"


def _decision(row: DossierDecisionRow) -> dict[str, Any]:
    return {"id": row.id, "decision": row.decision, "decided_on": row.decided_on,
            "votes_for": row.votes_for, "votes_against": row.votes_against,
            "votes_abstention": row.votes_abstention, "note": row.note,
            "recorded_at": row.recorded_at, "recorded_by": row.recorded_by}


def _place(pos: PointOfSale) -> dict[str, Any]:
    return {"id": pos.id, "name": pos.name, "kind": pos.kind.value, "status": pos.status.value,
            "accepts_mona": pos.accepts_mona, "address": pos.address,
            "lon": pos.lon, "lat": pos.lat}


def overview(sessions: sessionmaker[Session], territory: Territory) -> dict[str, Any]:
    """Every dossier with its stage and its criteria counts, the candidates still without a
    dossier, and the territory's criteria grid."""
    with sessions() as session:
        repo = DossierRepository(session)
        counts, latest = repo.criteria_counts(), repo.latest_decisions()
        rows = repo.all()
        places = {p.id: p for p in PointOfSaleRepository(session).list().items}
        with_dossier = {r.point_of_sale_id for r in rows}
        dossiers = []
        for r in rows:
            c = counts.get(r.id, {})
            last = latest.get(r.id)
            dossiers.append({
                "id": r.id, "point_of_sale": _place(places[r.point_of_sale_id]),
                "proposed_by": r.proposed_by, "suggestion_id": r.suggestion_id,
                "meeting_on": r.meeting_on, "opened_at": r.opened_at,
                "stage": _stage(c, last),
                "criteria": {s: c.get(s, 0) for s in CRITERION_STATES},
                "criteria_total": len(territory.criteria.items),
                "decision": None if last is None else _decision(last)})
        waiting = [_place(p) for p in places.values()
                   if p.status is Status.CANDIDATE and p.id not in with_dossier]
    waiting.sort(key=lambda p: p["name"])
    return {"criteria": [{"key": c.key, "family": c.family, "label": c.label}
                         for c in territory.criteria.items],
            "criteria_illustrative": territory.criteria.illustrative,
            "dossiers": dossiers, "candidates": waiting}


def open_dossier(sessions: sessionmaker[Session], point_of_sale_id: int, *, by: str,
                 proposed_by: str | None = None) -> int:
    """Open the dossier of a point of sale; its id."""
    who = free_text(proposed_by, "proposed_by", limit=200) or f"coordination ({by})"
    with sessions() as session:
        row = DossierRepository(session).open(point_of_sale_id, proposed_by=who, by=by)
        dossier_id = row.id
        commit_or_conflict(session, f"dossier of point of sale {point_of_sale_id}")
    return dossier_id


def open_for_suggestion(session: Session, point_of_sale_id: int, suggestion_id: int, *,
                        by: str) -> DossierRow:
    """Inside the caller's transaction: the dossier of a place the public suggested."""
    return DossierRepository(session).open(
        point_of_sale_id, proposed_by=f"suggestion du public n° {suggestion_id}", by=by,
        suggestion_id=suggestion_id)


def dossier(sessions: sessionmaker[Session], territory: Territory,
            dossier_id: int) -> dict[str, Any]:
    """One dossier in full: the grid with every criterion's answer (unanswered ones as
    ``unknown``), attachments, decisions, and the point of sale's status history."""
    with sessions() as session:
        repo = DossierRepository(session)
        row = repo.get(dossier_id)
        pos = PointOfSaleRepository(session).get(row.point_of_sale_id)
        assert pos.id is not None
        answers = {c.key: c for c in repo.criteria(dossier_id)}
        grid = []
        for c in territory.criteria.items:
            a = answers.get(c.key)
            grid.append({"key": c.key, "family": c.family, "label": c.label,
                         "state": a.state if a else "unknown", "answered": a is not None,
                         "comment": a.comment if a else None,
                         "updated_by": a.updated_by if a else None,
                         "updated_at": a.updated_at if a else None})
        rows = repo.decisions(dossier_id)
        decisions = [_decision(d) for d in rows]
        counts = {s: sum(1 for a in answers.values() if a.state == s)
                  for s in CRITERION_STATES}
        history = [{"status_before": h.status_before, "status_after": h.status_after,
                    "accepts_mona": h.accepts_mona, "changed_at": h.changed_at,
                    "changed_by": h.changed_by, "reason": h.reason,
                    "dossier_decision_id": h.dossier_decision_id}
                   for h in StatusHistoryRepository(session).of(pos.id)]
        return {"id": row.id, "point_of_sale": _place(pos), "proposed_by": row.proposed_by,
                "suggestion_id": row.suggestion_id, "meeting_on": row.meeting_on,
                "opened_at": row.opened_at, "opened_by": row.opened_by,
                "stage": _stage(counts, rows[-1] if rows else None),
                "criteria_illustrative": territory.criteria.illustrative,
                "grid": grid,
                "attachments": [{"id": a.id, "reference": a.reference, "added_at": a.added_at,
                                 "added_by": a.added_by} for a in repo.attachments(dossier_id)],
                "decisions": decisions, "status_history": history}


def answer_criterion(sessions: sessionmaker[Session], territory: Territory, dossier_id: int,
                     key: str, *, state: str, comment: str | None, by: str) -> None:
    """Answer one criterion of a dossier's grid."""
    if territory.criteria.get(key) is None:
        known = ", ".join(c.key for c in territory.criteria.items) or "none configured"
        raise ValidationError(f"criterion {key!r} is not in the territory's grid ({known})")
    if state not in CRITERION_STATES:
        raise ValidationError(f"state must be one of {', '.join(CRITERION_STATES)}")
    note = free_text(comment, "comment", limit=1000)
    with sessions() as session:
        repo = DossierRepository(session)
        row = repo.get(dossier_id, for_update=True)
        repo.set_criterion(dossier_id, key, state=state, comment=note, by=by)
        repo.touch(row)
        commit_or_conflict(session, f"dossier {dossier_id}")


def attach(sessions: sessionmaker[Session], dossier_id: int, reference: str, *,
           by: str) -> None:
    """Add a document's reference to a dossier."""
    ref = free_text(reference, "reference", limit=300, required=True) or ""
    with sessions() as session:
        repo = DossierRepository(session)
        row = repo.get(dossier_id, for_update=True)
        repo.attach(dossier_id, ref, by=by)
        repo.touch(row)
        commit_or_conflict(session, f"dossier {dossier_id}")


def plan_meeting(sessions: sessionmaker[Session], dossier_id: int, meeting_on: date | None
                 ) -> None:
    """Put a dossier on a committee meeting's agenda (or take it off)."""
    with sessions() as session:
        repo = DossierRepository(session)
        row = repo.get(dossier_id, for_update=True)
        row.meeting_on = meeting_on
        repo.touch(row)
        commit_or_conflict(session, f"dossier {dossier_id}")


def decide(sessions: sessionmaker[Session], dossier_id: int, decision: str, *,
           decided_on: date, by: str, votes_for: int | None = None,
           votes_against: int | None = None, votes_abstention: int | None = None,
           note: str | None = None) -> dict[str, Any]:
    """Record the committee's decision and change the point of sale's status accordingly
    (conventionné: accepts the MonA; suspendu; refusé: stays a candidate), all or nothing."""
    if decision not in DECISIONS:
        raise ValidationError(f"decision must be one of {', '.join(DECISIONS)}")
    votes = (votes_for, votes_against, votes_abstention)
    if any(v is not None and v < 0 for v in votes):
        raise ValidationError("vote counts cannot be negative")
    text = free_text(note, "note", limit=1000)
    with sessions() as session:
        repo = DossierRepository(session)
        row = repo.get(dossier_id, for_update=True)
        recorded = repo.decide(dossier_id, decision, decided_on=decided_on, by=by,
                               votes=votes, note=text)
        pos = apply_status(
            session, row.point_of_sale_id, STATUS_OF_DECISION[decision], by=by,
            reason=f"décision du comité du {decided_on:%d/%m/%Y} (dossier {dossier_id})",
            decision_id=recorded.id)
        if row.meeting_on is None:
            row.meeting_on = decided_on
        repo.touch(row)
        out = {"decision": _decision(recorded), "status": pos.status.value,
               "accepts_mona": pos.accepts_mona}
        commit_or_conflict(session, f"dossier {dossier_id}")
    return out


def dossier_place(sessions: sessionmaker[Session], dossier_id: int) -> PointOfSale:
    """The point of sale of a dossier."""
    with sessions() as session:
        row = DossierRepository(session).get(dossier_id)
        return PointOfSaleRepository(session).get(row.point_of_sale_id)


__all__ = ["STAGES", "answer_criterion", "attach", "decide", "dossier", "dossier_place",
           "open_dossier", "open_for_suggestion", "overview", "plan_meeting"]
