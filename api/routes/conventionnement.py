"""Conventionnement dossiers: the committee and the coordinators examine a candidate point of
sale against the caisse's criteria, read what it would change on the map, and decide."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import (
    MAX_ID,
    DossierDep,
    FlowsServiceDep,
    HeavyDep,
    LayersChangedDep,
    SessionsDep,
    TerritoryDep,
    WalkingDep,
)
from api.errors import responses
from api.schemas.conventionnement import (
    AttachmentIn,
    CriterionIn,
    Decided,
    DecisionIn,
    DossierOut,
    Effect,
    MeetingIn,
    Opened,
    OpenIn,
    Overview,
)
from geo_caisse.layers.conventionnement import (
    answer_criterion,
    attach,
    decide,
    dossier,
    open_dossier,
    overview,
    plan_meeting,
)
from geo_caisse.planning.conventionnement import dossier_effect

router = APIRouter(prefix="/api/conventionnement", tags=["conventionnement"])
DossierId = Annotated[int, Path(ge=1, le=MAX_ID)]
CriterionKey = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]


@router.get("", response_model=Overview, responses=responses(401, 403))
def dossiers(sessions: SessionsDep, territory: TerritoryDep,
             _user: DossierDep) -> dict[str, Any]:
    """Every dossier and its stage, the candidates without one, and the criteria grid."""
    return overview(sessions, territory)


@router.post("/dossiers", response_model=Opened, status_code=201,
             responses=responses(401, 403, 404, 409, 413, 422))
def open_one(body: OpenIn, sessions: SessionsDep, user: DossierDep) -> Opened:
    """Open the dossier of a point of sale (one per point of sale)."""
    return Opened(id=open_dossier(sessions, body.point_of_sale_id, by=user.username,
                                  proposed_by=body.proposed_by))


@router.get("/dossiers/{dossier_id}", response_model=DossierOut,
            responses=responses(401, 403, 404, 422))
def one(dossier_id: DossierId, sessions: SessionsDep, territory: TerritoryDep,
        _user: DossierDep) -> dict[str, Any]:
    """A dossier: the grid answered, attachments, decisions and the status history."""
    return dossier(sessions, territory, dossier_id)


@router.put("/dossiers/{dossier_id}/criteria/{key}", response_model=DossierOut,
            responses=responses(401, 403, 404, 409, 413, 422))
def answer(dossier_id: DossierId, key: CriterionKey, body: CriterionIn,
           sessions: SessionsDep, territory: TerritoryDep, user: DossierDep) -> dict[str, Any]:
    """Answer one criterion: met, not met or unknown, with a comment."""
    answer_criterion(sessions, territory, dossier_id, key, state=body.state,
                     comment=body.comment, by=user.username)
    return dossier(sessions, territory, dossier_id)


@router.post("/dossiers/{dossier_id}/attachments", response_model=DossierOut,
             status_code=201, responses=responses(401, 403, 404, 409, 413, 422))
def add_attachment(dossier_id: DossierId, body: AttachmentIn, sessions: SessionsDep,
                   territory: TerritoryDep, user: DossierDep) -> dict[str, Any]:
    """Add a reference to a document the committee holds."""
    attach(sessions, dossier_id, body.reference, by=user.username)
    return dossier(sessions, territory, dossier_id)


@router.put("/dossiers/{dossier_id}/meeting", response_model=DossierOut,
            responses=responses(401, 403, 404, 409, 413, 422))
def meeting(dossier_id: DossierId, body: MeetingIn, sessions: SessionsDep,
            territory: TerritoryDep, _user: DossierDep) -> dict[str, Any]:
    """Put the dossier on a committee meeting (``null`` takes it off)."""
    plan_meeting(sessions, dossier_id, body.meeting_on)
    return dossier(sessions, territory, dossier_id)


@router.post("/dossiers/{dossier_id}/decision", response_model=Decided, status_code=201,
             responses=responses(401, 403, 404, 409, 413, 422))
def decision(dossier_id: DossierId, body: DecisionIn, sessions: SessionsDep,
             user: DossierDep, changed: LayersChangedDep) -> dict[str, Any]:
    """Record the committee's decision; the point of sale's status follows (conventionné:
    it accepts the MonA; suspendu; refusé: it stays a candidate), recorded in its history."""
    out = decide(sessions, dossier_id, body.decision, decided_on=body.decided_on,
                 by=user.username, votes_for=body.votes_for, votes_against=body.votes_against,
                 votes_abstention=body.votes_abstention, note=body.note)
    changed()
    return out


@router.get("/dossiers/{dossier_id}/effect", response_model=Effect,
            responses=responses(401, 403, 404, 422, 503))
async def effect(dossier_id: DossierId, sessions: SessionsDep, territory: TerritoryDep,
                 walking: WalkingDep, flows: FlowsServiceDep, heavy: HeavyDep,
                 _user: DossierDep) -> dict[str, Any]:
    """What conventioning it would change (or ending its convention, for a conventionné):
    people and low-income people within the desert threshold, the food desert before and
    after, and the people and members within 5, 10 and 15 minutes (members by whole areas of
    at least the minimum group)."""
    def run() -> dict[str, Any]:
        return dossier_effect(walking, sessions, territory, dossier_id,
                              flows=flows.current(sessions))
    return await heavy.run(run)
