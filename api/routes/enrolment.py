"""Enrolment over HTTP: volunteers, the public draw, exits, coverage, the committee.

Who may call what: anyone may volunteer through the open call, list the held draws, read or
re-check a published draw and download the list given to its observers (refs and strata,
no identity); the committee and coordinators (``enrolment:read``) see the strata
coverage, a draw's quotas before it is held and the committee's composition; coordinators
(``enrolment:write``) hold draws, record exits and list them with their replacements.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.deps import (
    MAX_ID,
    EnrolmentReaderDep,
    EnrolmentWriterDep,
    OptionalUserDep,
    SessionsDep,
    TerritoryDep,
    WriterDep,
    throttled,
)
from api.errors import responses
from api.schemas.common import IsoDate
from api.schemas.enrolment import (
    Committee,
    Coverage,
    CoverageAreas,
    DrawCheck,
    DrawIn,
    DrawList,
    DrawPlanOut,
    ExitIn,
    ExitList,
    ExitOut,
    HeldDrawOut,
    PublishedDraw,
    VolunteerIn,
    VolunteerOut,
    WaitingList,
)
from geo_caisse.enrolment.committee import committee_composition
from geo_caisse.enrolment.coverage import coverage, coverage_areas
from geo_caisse.enrolment.exits import member_exit, recent_exits
from geo_caisse.enrolment.held import (
    draw_volunteer_list,
    hold_and_publish,
    list_draws,
    published_draw,
    verify_held_draw,
)
from geo_caisse.enrolment.plan import draw_plan
from geo_caisse.enrolment.volunteers import register_volunteer, waiting_list

router = APIRouter(prefix="/api", tags=["enrolment"])
DrawId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/volunteers", response_model=VolunteerOut, status_code=201,
             dependencies=[throttled("volunteers")],
             responses=responses(401, 403, 409, 413, 422, 429))
def register(body: VolunteerIn, sessions: SessionsDep, territory: TerritoryDep,
             user: OptionalUserDep) -> VolunteerOut:
    """Volunteer for the draw. The open call is public; referrals and committee
    nominations need a coordinator's token."""
    info = register_volunteer(sessions, territory, {**body.model_dump(),
                                                    "registered_on": date.today()},
                              by=user)
    return VolunteerOut(ref=info.ref, status=info.status, stratum=info.stratum,
                        channel=info.channel, neighbourhood_code=info.neighbourhood_code)


@router.get("/volunteers/waiting", response_model=WaitingList, responses=responses(401, 403))
def waiting(sessions: SessionsDep, _user: EnrolmentWriterDep) -> dict[str, Any]:
    """The waiting list in calling order, stratum by stratum (refs only)."""
    rows = waiting_list(sessions)
    return {"count": len(rows), "volunteers": [
        {"ref": r.ref, "stratum": r.stratum, "rank": r.waiting_rank, "channel": r.channel}
        for r in rows]}


@router.post("/draws", response_model=HeldDrawOut, status_code=201,
             responses=responses(401, 403, 409, 413, 422, 503))
def hold(body: DrawIn, writer: WriterDep, territory: TerritoryDep,
         _user: EnrolmentWriterDep) -> dict[str, Any]:
    """Hold a draw over the waiting volunteers: drawn volunteers become members with an
    account; the others keep their place on the waiting list."""
    return hold_and_publish(writer, territory, seats=body.seats, seed=body.seed,
                            joined_on=body.joined_on, quotas=body.quotas,
                            neighbourhoods=body.neighbourhoods)


@router.get("/draws", response_model=DrawList, responses=responses(422))
def draws(sessions: SessionsDep,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The held draws, newest first (each one's page: ``/tirage/{id}``)."""
    return {"draws": [vars(d) for d in list_draws(sessions, limit=limit)]}


@router.get("/draws/plan", response_model=DrawPlanOut,
            responses=responses(401, 403, 422, 503))
def plan(sessions: SessionsDep, territory: TerritoryDep, _user: EnrolmentReaderDep,
         seats: Annotated[int, Query(ge=1, le=100_000)]) -> dict[str, Any]:
    """Before a draw: the quotas the territory's population gives for ``seats`` and the
    volunteers waiting in each stratum (under the minimum group, or hidden)."""
    out = draw_plan(sessions, territory, seats=seats)
    return {**vars(out), "strata": [vars(s) for s in out.strata]}


@router.get("/draws/{draw_id}", response_model=PublishedDraw, responses=responses(404, 422))
def published(draw_id: DrawId, sessions: SessionsDep) -> dict[str, Any]:
    """A draw as published: seed, the volunteer list's SHA-256, quotas, drawn refs and
    each stratum's selection probability."""
    return published_draw(sessions, draw_id)


@router.get("/draws/{draw_id}/verify", response_model=DrawCheck,
            responses=responses(404, 422))
def verify(draw_id: DrawId, sessions: SessionsDep) -> DrawCheck:
    """Re-run the draw from its list and seed: ``ok`` when it gives the published panel."""
    problems = verify_held_draw(sessions, draw_id)
    return DrawCheck(draw_id=draw_id, ok=not problems, problems=problems)


@router.get("/draws/{draw_id}/volunteers.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}, **responses(404, 422)})
def observers_list(draw_id: DrawId, sessions: SessionsDep) -> Response:
    """The volunteer list given to the draw's observers (public: random refs and the
    features the quotas used, no name, address or member account): with the seed,
    ``geo-caisse draw verify`` re-runs the draw."""
    return Response(draw_volunteer_list(sessions, draw_id), media_type="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="tirage-{draw_id}-volontaires.csv"'})


@router.post("/members/{member_id}/exit", response_model=ExitOut,
             responses=responses(401, 403, 404, 409, 413, 422))
def exit_member(member_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: ExitIn,
                writer: WriterDep, _user: EnrolmentWriterDep) -> dict[str, Any]:
    """A member leaves; with ``replace`` the next volunteer of the same stratum enters."""
    out = member_exit(writer, member_id, on=body.on, replace=body.replace)
    return {"member_id": out.left.id, "left_on": out.left.left_on,
            "replacement": None if out.replacement is None else
            {"member_id": out.replacement.id, "volunteer_ref": out.replacement_ref}}


@router.get("/enrolment/exits", response_model=ExitList, responses=responses(401, 403, 422))
def exits(sessions: SessionsDep, _user: EnrolmentWriterDep,
          limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """The latest exits, newest first, and who entered from the waiting list in each one's
    place (pseudonyms and volunteer refs only)."""
    return {"exits": [vars(e) for e in recent_exits(sessions, limit=limit)]}


@router.get("/enrolment/coverage", response_model=Coverage,
            responses=responses(401, 403, 409, 422, 503))
def strata_coverage(sessions: SessionsDep, territory: TerritoryDep,
                    _user: EnrolmentReaderDep,
                    neighbourhood: Annotated[list[str] | None, Query(max_length=200)] = None
                    ) -> dict[str, Any]:
    """Members and waiting volunteers by stratum against the population, and where the
    under-represented strata live (every count at least the minimum group, or hidden)."""
    return coverage(sessions, territory, neighbourhoods=neighbourhood)


@router.get("/enrolment/coverage/areas", response_model=CoverageAreas,
            responses=responses(401, 403, 409, 503))
def strata_coverage_areas(sessions: SessionsDep, territory: TerritoryDep,
                          _user: EnrolmentReaderDep) -> dict[str, Any]:
    """GeoJSON: adults of the under-represented strata per neighbourhood (estimates)."""
    return coverage_areas(sessions, territory)


@router.get("/committee/composition", response_model=Committee,
            responses=responses(401, 403, 422))
def committee(sessions: SessionsDep, territory: TerritoryDep, _user: EnrolmentReaderDep,
              on: Annotated[IsoDate | None, Query(description="YYYY-MM-DD (default: today)")]
              = None) -> dict[str, Any]:
    """Seats held and the share of their holders in poverty (withheld for small groups)."""
    return committee_composition(sessions, territory, on=on or date.today())
