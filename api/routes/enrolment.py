"""Enrolment, recruitment targeting and producers' demand over HTTP.

Who may call what: anyone may volunteer through the open call and read or re-check a
published draw; the committee and coordinators (``enrolment:read``) see the strata
coverage, the committee's composition and the list given to the draw's observers;
coordinators (``enrolment:write``) hold draws, record exits and run the targeting; a
producer sees the demand around its own point of sale only (coordinators: any).
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import OptionalUserDep, SessionsDep, TerritoryDep, UserDep, require_scope
from api.routes.ledger import WriterDep, _flows
from api.routes.walking import WalkingDep
from geo_caisse import membership, targeting
from geo_caisse._errors import AuthError, ForbiddenError
from geo_caisse.auth import User
from geo_caisse.demand import producer_demand

router = APIRouter(prefix="/api", tags=["enrolment"])

EnrolmentReader = Annotated[User, require_scope("enrolment:read")]
EnrolmentWriter = Annotated[User, require_scope("enrolment:write")]


class VolunteerIn(BaseModel):
    """A volunteer's registration: the draw's strata and, optionally, where they live
    (kept only as its 200 m cell and neighbourhood)."""

    model_config = ConfigDict(extra="forbid")
    income_quartile: int = Field(ge=1, le=4, description="household income quartile (1-4)")
    age_band: Literal["<30", "30-60", ">60"]
    channel: Literal["open_call", "referral", "committee"] = "open_call"
    home_lon: float | None = Field(default=None, ge=-180, le=180)
    home_lat: float | None = Field(default=None, ge=-90, le=90)
    neighbourhood_code: str | None = Field(default=None, max_length=32)


class VolunteerOut(BaseModel):
    ref: str
    status: str
    stratum: str
    channel: str
    neighbourhood_code: str | None


@router.post("/volunteers", response_model=VolunteerOut, status_code=201)
def register(body: VolunteerIn, sessions: SessionsDep, territory: TerritoryDep,
             user: OptionalUserDep) -> VolunteerOut:
    """Volunteer for the draw. The open call is public; referrals and committee
    nominations need a coordinator's token."""
    if body.channel != "open_call":
        if user is None:
            raise AuthError(f"a {body.channel} volunteer is registered by a coordinator: "
                            "log in first (Authorization: Bearer <access token>)")
        if "enrolment:write" not in user.scopes:
            raise ForbiddenError(f"only a coordinator registers a {body.channel} volunteer")
    [info] = membership.register_volunteers(sessions, territory, [
        {**body.model_dump(), "registered_on": date.today()}])
    return VolunteerOut(ref=info.ref, status=info.status, stratum=info.stratum,
                        channel=info.channel, neighbourhood_code=info.neighbourhood_code)


@router.get("/volunteers/waiting")
def waiting(sessions: SessionsDep, _user: EnrolmentWriter) -> dict[str, Any]:
    """The waiting list in calling order, stratum by stratum (refs only)."""
    rows = membership.waiting_list(sessions)
    return {"count": len(rows), "volunteers": [
        {"ref": r.ref, "stratum": r.stratum, "rank": r.waiting_rank, "channel": r.channel}
        for r in rows]}


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seats: int = Field(ge=1, le=100_000)
    seed: int = Field(ge=0, lt=2**63, description="announced before the draw")
    joined_on: date
    quotas: dict[str, dict[str, tuple[int, int]]] | None = Field(
        default=None, description="default: the territory's population by stratum")
    neighbourhoods: list[str] | None = Field(default=None, max_length=500)


@router.post("/draws", status_code=201)
def hold(body: DrawIn, writer: WriterDep, territory: TerritoryDep,
         _user: EnrolmentWriter) -> dict[str, Any]:
    """Hold a draw over the waiting volunteers: drawn volunteers become members with an
    account; the others keep their place on the waiting list."""
    held = membership.hold_draw(writer, territory, seats=body.seats, seed=body.seed,
                                joined_on=body.joined_on, quotas=body.quotas,
                                neighbourhoods=body.neighbourhoods)
    short = sorted(held.result.shortfall.get("stratum", {}))
    return {**membership.published_draw(writer, held.draw_id),
            "members_opened": len(held.members), "waiting": held.waiting,
            "places_to_mobilise": membership.places_to_mobilise(writer, territory, short)}


@router.get("/draws/{draw_id}")
def published(draw_id: int, sessions: SessionsDep) -> dict[str, Any]:
    """A draw as published: seed, the volunteer list's SHA-256, quotas, drawn refs and
    each stratum's selection probability."""
    return membership.published_draw(sessions, draw_id)


@router.get("/draws/{draw_id}/verify")
def verify(draw_id: int, sessions: SessionsDep) -> dict[str, Any]:
    """Re-run the draw from its list and seed: ``ok`` when it gives the published panel."""
    problems = membership.verify_held_draw(sessions, draw_id)
    return {"draw_id": draw_id, "ok": not problems, "problems": problems}


@router.get("/draws/{draw_id}/volunteers.csv", response_class=PlainTextResponse)
def observers_list(draw_id: int, sessions: SessionsDep, _user: EnrolmentReader) -> str:
    """The volunteer list given to the draw's observers (refs and strata only): with the
    seed, ``geo-caisse draw verify`` re-runs the draw."""
    return membership.draw_volunteer_list(sessions, draw_id)


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date
    replace: bool = True


@router.post("/members/{member_id}/exit")
def member_exit(member_id: int, body: ExitIn, writer: WriterDep,
                _user: EnrolmentWriter) -> dict[str, Any]:
    """A member leaves; with ``replace`` the next volunteer of the same stratum enters."""
    out = membership.member_exit(writer, member_id, on=body.on, replace=body.replace)
    return {"member_id": out.left.id, "left_on": str(out.left.left_on),
            "replacement": None if out.replacement is None else
            {"member_id": out.replacement.id, "volunteer_ref": out.replacement_ref}}


@router.get("/enrolment/coverage")
def coverage(sessions: SessionsDep, territory: TerritoryDep, _user: EnrolmentReader,
             neighbourhood: Annotated[list[str] | None, Query(max_length=200)] = None
             ) -> dict[str, Any]:
    """Members and waiting volunteers by stratum against the population, and where the
    under-represented strata live (every count >= 11 or hidden)."""
    return membership.coverage(sessions, territory, neighbourhoods=neighbourhood)


@router.get("/enrolment/coverage/areas")
def coverage_areas(sessions: SessionsDep, territory: TerritoryDep,
                   _user: EnrolmentReader) -> dict[str, Any]:
    """GeoJSON: adults of the under-represented strata per neighbourhood (estimates)."""
    return membership.coverage_areas(sessions, territory)


@router.get("/committee/composition")
def committee(sessions: SessionsDep, territory: TerritoryDep, _user: EnrolmentReader,
              on: date | None = None) -> dict[str, Any]:
    """Seats held and the share of their holders in poverty (withheld for small groups)."""
    return membership.committee_composition(sessions, territory, on=on or date.today())


_instance_lock = threading.Lock()


def _instance(request: Request, sessions: Any, territory: Any, walking: Any,
              reach_min: float) -> targeting.RecruitmentInstance:
    """The targeting instance, rebuilt when the ledger, members or conventionnés move."""
    flows = _flows(request, sessions, territory)
    years = flows.years()
    key = (reach_min, id(flows), walking.state_key(sessions))
    with _instance_lock:
        cache = getattr(request.app.state, "targeting_cache", None)
        if cache is not None and cache[0] == key:
            return cache[1]  # type: ignore[no-any-return]
    rec = targeting.recruitment_instance(walking, sessions, territory, reach_min=reach_min,
                                         flows=flows, year=years[-1] if years else None)
    with _instance_lock:
        request.app.state.targeting_cache = (key, rec)
    return rec


@router.get("/targeting")
async def target(request: Request, sessions: SessionsDep, territory: TerritoryDep,
                 walking: WalkingDep, _user: EnrolmentWriter,
                 k: Annotated[int, Query(ge=1, le=50)] = 5,
                 reach_min: Annotated[float, Query(ge=1, le=30)] = 10,
                 mode: Annotated[Literal["exact", "interactive"], Query()] = "exact",
                 desert_low_income: Annotated[float, Query(ge=0, le=100)] = 1.0,
                 under_represented: Annotated[float, Query(ge=0, le=100)] = 1.0,
                 spare_capacity: Annotated[float, Query(ge=0, le=100)] = 1.0,
                 members_per_site: Annotated[int, Query(ge=1, le=10_000)] = 20
                 ) -> dict[str, Any]:
    """Choose ``k`` places for recruitment stands (points of sale or markets) covering the
    most weight within ``reach_min`` minutes' walk, and explain each. ``exact`` is the
    proven optimum; ``interactive`` is greedy with swaps and its gap bound."""
    def run() -> dict[str, Any]:
        rec = targeting.with_coefficients(
            _instance(request, sessions, territory, walking, reach_min),
            {"desert_low_income": desert_low_income, "under_represented": under_represented,
             "spare_capacity": spare_capacity})
        return targeting.target(rec, k, mode=mode, members_per_site=members_per_site,
                                monthly_allocation_mona=float(
                                    territory.caisse.monthly_allocation_mona))
    return await run_in_threadpool(run)


@router.get("/points-of-sale/{point_of_sale_id}/demand")
async def demand(point_of_sale_id: int, request: Request, sessions: SessionsDep,
                 territory: TerritoryDep, walking: WalkingDep, user: UserDep,
                 year: Annotated[str | None, Query(max_length=4)] = None) -> dict[str, Any]:
    """People and members within 5, 10 and 15 minutes' walk, their monthly Mona, and where
    the Mona spent here comes from (a producer: its own point of sale only)."""
    if "flows:read" not in user.scopes:
        if "flows:own" not in user.scopes:
            raise ForbiddenError(f"the {user.role} role may not see demand")
        if user.point_of_sale_id != point_of_sale_id:
            raise ForbiddenError("a producer sees only its own point of sale")

    def run() -> dict[str, Any]:
        flows = _flows(request, sessions, territory)
        years = flows.years()
        return producer_demand(walking, sessions, territory, point_of_sale_id, flows=flows,
                               year=year or (years[-1] if years else None))
    return await run_in_threadpool(run)


__all__ = ["router"]
