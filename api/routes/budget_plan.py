"""The committee's budget planner: scenarios computed, saved, exported (CSV, PDF)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import MAX_ID, BudgetPlannerDep, SessionsDep, TerritoryDep
from api.errors import responses
from api.schemas.budget_plan import Defaults, Deleted, PlanOut, SavedIn, SavedOut, ScenarioIn
from geo_caisse.io.budget_pdf import budget_pdf
from geo_caisse.planning.budget import (
    computed,
    defaults,
    delete,
    lines,
    save,
    scenario,
    scenario_csv,
    scenarios,
)

router = APIRouter(prefix="/api/budget", tags=["budget"])
ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _params(body: ScenarioIn) -> dict[str, Any]:
    return body.model_dump(mode="json")


def _saved(territory: Any, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "plan": computed(territory, row["params"])}


@router.get("/planner", response_model=Defaults, responses=responses(401, 403))
def planner_defaults(sessions: SessionsDep, territory: TerritoryDep,
                     _user: BudgetPlannerDep) -> dict[str, Any]:
    """Where the planner starts: the territory's settings, the members today, the observed
    spread over income quartiles (when every quartile holds the minimum group)."""
    return defaults(sessions, territory)


@router.post("/plan", response_model=PlanOut, responses=responses(401, 403, 413, 422))
def compute(body: ScenarioIn, territory: TerritoryDep, _user: BudgetPlannerDep
            ) -> dict[str, Any]:
    """A scenario's MonA issued, contributions, top-up, gap and each funder's share."""
    return computed(territory, _params(body))


@router.get("/scenarios", response_model=list[SavedOut], responses=responses(401, 403))
def saved(sessions: SessionsDep, territory: TerritoryDep,
          _user: BudgetPlannerDep) -> list[dict[str, Any]]:
    """The saved scenarios, newest first, each with its money."""
    return [_saved(territory, r) for r in scenarios(sessions)]


@router.post("/scenarios", response_model=SavedOut, status_code=201,
             responses=responses(401, 403, 409, 413, 422))
def create(body: SavedIn, sessions: SessionsDep, territory: TerritoryDep,
           user: BudgetPlannerDep) -> dict[str, Any]:
    """Save a named scenario."""
    return _saved(territory, save(sessions, body.name, _params(body.scenario),
                                  by=user.username))


@router.get("/scenarios/{scenario_id}", response_model=SavedOut,
            responses=responses(401, 403, 404, 422))
def one(scenario_id: ScenarioId, sessions: SessionsDep, territory: TerritoryDep,
        _user: BudgetPlannerDep) -> dict[str, Any]:
    return _saved(territory, scenario(sessions, scenario_id))


@router.put("/scenarios/{scenario_id}", response_model=SavedOut,
            responses=responses(401, 403, 404, 409, 413, 422))
def replace(scenario_id: ScenarioId, body: SavedIn, sessions: SessionsDep,
            territory: TerritoryDep, user: BudgetPlannerDep) -> dict[str, Any]:
    """Replace a saved scenario's name and settings."""
    return _saved(territory, save(sessions, body.name, _params(body.scenario),
                                  by=user.username, scenario_id=scenario_id))


@router.delete("/scenarios/{scenario_id}", response_model=Deleted,
               responses=responses(401, 403, 404, 422))
def remove(scenario_id: ScenarioId, sessions: SessionsDep,
           _user: BudgetPlannerDep) -> Deleted:
    """Delete a saved scenario."""
    delete(sessions, scenario_id)
    return Deleted(deleted=scenario_id)


@router.get("/scenarios/{scenario_id}/csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}, **responses(401, 403, 404, 422)})
def as_csv(scenario_id: ScenarioId, sessions: SessionsDep, territory: TerritoryDep,
           _user: BudgetPlannerDep) -> Response:
    """The scenario as CSV (``;``, decimal commas: a French spreadsheet opens it)."""
    row = scenario(sessions, scenario_id)
    return Response(scenario_csv(territory, row), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="scenario-{scenario_id}.csv"'})


@router.get("/scenarios/{scenario_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}},
                       **responses(401, 403, 404, 422)})
def as_pdf(scenario_id: ScenarioId, sessions: SessionsDep, territory: TerritoryDep,
           _user: BudgetPlannerDep) -> Response:
    """The scenario on one A4 page for a committee meeting."""
    row = scenario(sessions, scenario_id)
    p = computed(territory, row["params"])
    name = territory.caisse.name or territory.name
    pdf = budget_pdf(f"Budget — {row['name']}", lines(territory, row),
                     [(x["funder"], float(x["share"])) for x in p["shares"]],
                     footer=f"{name} · imprimé le {datetime.now(UTC):%d/%m/%Y}")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition":
                             f'attachment; filename="scenario-{scenario_id}.pdf"'})
