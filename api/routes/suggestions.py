"""Suggestions: the public proposes a place or its hours; coordinators accept or refuse."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import (
    MAX_ID,
    LayersChangedDep,
    LayersWriterDep,
    SessionsDep,
    TerritoryDep,
    throttled,
)
from api.errors import responses
from api.schemas.layers import pos_feature
from api.schemas.suggestions import (
    AcceptIn,
    Decision,
    Received,
    RefuseIn,
    SuggestionIn,
    SuggestionOut,
)
from geo_caisse.core.errors import ValidationError
from geo_caisse.layers.suggestions import (
    Suggestion,
    accept_hours,
    accept_place,
    refuse,
    suggest,
    suggestions,
)

router = APIRouter(prefix="/api/suggestions", tags=["suggestions"])
SuggestionId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(s: Suggestion) -> SuggestionOut:
    return SuggestionOut.model_validate(vars(s))


@router.post("", response_model=Received, status_code=201,
             dependencies=[throttled("suggestions")], responses=responses(404, 413, 422, 429))
def propose(body: SuggestionIn, sessions: SessionsDep) -> Received:
    """Suggest a place where to pay in MonA, or correct a place's hours. Nothing shows on
    the map until a coordinator accepts it; nothing of who suggested it is kept."""
    made = suggest(sessions, kind=body.kind, name=body.name, place_kind=body.place_kind,
                   address=body.address, hours=body.hours, comment=body.comment,
                   place=body.place)
    return Received(id=made.id, status=made.status)


@router.get("", response_model=list[SuggestionOut], responses=responses(401, 403, 422))
def queue(sessions: SessionsDep, _user: LayersWriterDep,
          status: Annotated[Literal["pending", "accepted", "refused"], Query()] = "pending"
          ) -> list[SuggestionOut]:
    """The suggestions of a status (default: those waiting for a decision), newest first."""
    return [_out(s) for s in suggestions(sessions, status=status)]


@router.post("/{suggestion_id}/accept", response_model=Decision,
             responses=responses(401, 403, 404, 409, 413, 422))
def accept(suggestion_id: SuggestionId, body: AcceptIn, sessions: SessionsDep,
           territory: TerritoryDep, user: LayersWriterDep,
           changed: LayersChangedDep) -> Decision:
    """Accept: a correction of hours replaces the place's hours (``opening_hours``, OSM
    syntax); a new place enters the layers as a candidate at ``lon``/``lat``."""
    if body.lon is None and body.lat is None:
        if not body.opening_hours:
            raise ValidationError("opening_hours is required to accept a correction of hours")
        done = accept_hours(sessions, suggestion_id, opening_hours=body.opening_hours,
                            by=user.username, note=body.note)
        changed()
        return Decision(suggestion=_out(done))
    if body.lon is None or body.lat is None:
        raise ValidationError("lon and lat go together: where the new place is")
    made, pos = accept_place(sessions, territory, suggestion_id, lon=body.lon, lat=body.lat,
                             by=user.username, name=body.name, kind=body.kind,
                             opening_hours=body.opening_hours, address=body.address,
                             note=body.note)
    changed()
    return Decision(suggestion=_out(made), point_of_sale=pos_feature(pos))


@router.post("/{suggestion_id}/refuse", response_model=SuggestionOut,
             responses=responses(401, 403, 404, 413, 422))
def decline(suggestion_id: SuggestionId, body: RefuseIn, sessions: SessionsDep,
            user: LayersWriterDep) -> SuggestionOut:
    """Refuse a suggestion (kept in the record, refused)."""
    return _out(refuse(sessions, suggestion_id, by=user.username, note=body.note))
