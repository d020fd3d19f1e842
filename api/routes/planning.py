"""Recruitment targeting (coordinators) and a producer's demand (its own point of sale)."""

from __future__ import annotations

import asyncio
import functools
import math
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query

from api.deps import (
    EnrolmentWriterDep,
    FlowsServiceDep,
    HeavyDep,
    OwnPointOfSaleDep,
    SessionsDep,
    SettingsDep,
    TargetingDep,
    TerritoryDep,
    WalkingDep,
)
from api.errors import StillComputingError, responses
from api.schemas.common import YEAR_PATTERN
from api.schemas.planning import Demand, TargetingAnswer
from geo_caisse.planning.demand import producer_demand

router = APIRouter(prefix="/api", tags=["planning"])


@router.get("/targeting", response_model=TargetingAnswer,
            responses=responses(401, 403, 409, 422, 503))
async def target(_user: EnrolmentWriterDep, sessions: SessionsDep, targeting: TargetingDep,
                 heavy: HeavyDep, settings: SettingsDep,
                 k: Annotated[int, Query(ge=1, le=50)] = 5,
                 reach_min: Annotated[float, Query(ge=1, le=30)] = 10,
                 mode: Literal["exact", "interactive"] = "exact",
                 desert_low_income: Annotated[float, Query(ge=0, le=100)] = 1.0,
                 under_represented: Annotated[float, Query(ge=0, le=100)] = 1.0,
                 spare_capacity: Annotated[float, Query(ge=0, le=100)] = 1.0,
                 members_per_site: Annotated[int, Query(ge=1, le=10_000)] = 20
                 ) -> dict[str, Any]:
    """Choose ``k`` places for recruitment stands (points of sale or markets) covering the
    most weight within ``reach_min`` minutes' walk, and explain each. ``exact`` is the
    proven optimum; ``interactive`` is greedy with swaps and its gap bound.

    Answers within ``GEO_CAISSE_TARGETING_BUDGET_S`` (5 s): the exact optimum when found by
    then; else, once the instance is built, the interactive answer with
    ``exact_pending: true`` while the exact one goes on being computed (ask again: it is
    kept); else 503 with Retry-After, the computation going on meanwhile."""
    coefficients = {"desert_low_income": desert_low_income,
                    "under_represented": under_represented, "spare_capacity": spare_capacity}
    budget_s = settings.api.targeting_budget_s
    ready = await anyio.to_thread.run_sync(functools.partial(
        targeting.ready, sessions, k, mode=mode, reach_min=reach_min,
        coefficients=coefficients, members_per_site=members_per_site))
    if ready is not None:
        return ready
    key = ("targeting", k, mode, reach_min, desert_low_income, under_represented,
           spare_capacity, members_per_site)
    job = heavy.start(key, targeting.target, sessions, k, mode=mode, reach_min=reach_min,
                      coefficients=coefficients, members_per_site=members_per_site)
    try:
        return await asyncio.wait_for(asyncio.shield(job), budget_s)
    except TimeoutError:
        pass
    if mode == "exact":
        quick = await anyio.to_thread.run_sync(functools.partial(
            targeting.ready, sessions, k, mode="interactive", reach_min=reach_min,
            coefficients=coefficients, members_per_site=members_per_site))
        if quick is not None:
            return {**quick, "exact_pending": True, "notes": [
                *quick["notes"], "the exact optimum is still being computed: ask again "
                "for it in a few seconds"]}
    retry = max(1, math.ceil(budget_s))
    raise StillComputingError(f"the targeting is still being computed (over the "
                              f"{budget_s:g} s budget of a request): ask again in {retry} s",
                              retry_after_s=retry)


@router.get("/points-of-sale/{point_of_sale_id}/demand", response_model=Demand,
            responses=responses(401, 403, 404, 422, 503))
async def demand(point_of_sale_id: OwnPointOfSaleDep, sessions: SessionsDep,
                 territory: TerritoryDep, walking: WalkingDep, flows: FlowsServiceDep,
                 heavy: HeavyDep,
                 year: Annotated[str | None, Query(pattern=YEAR_PATTERN)] = None
                 ) -> dict[str, Any]:
    """People and members within 5, 10 and 15 minutes' walk, their monthly MonA, and where
    the MonA spent here comes from (a producer: its own point of sale only)."""
    def run() -> dict[str, Any]:
        return producer_demand(walking, sessions, territory, point_of_sale_id,
                               flows=flows.current(sessions), year=year)
    return await heavy.run(run)
