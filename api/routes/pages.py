"""HTML pages and small service routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import TerritoryDep
from api.schemas.common import Health
from api.schemas.layers import TerritoryInfo

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def member_map(request: Request,
               lang: Annotated[Literal["fr", "en"], Query()] = "fr") -> HTMLResponse:
    """The member map, in French (``?lang=en``: English)."""
    return HTMLResponse(request.app.state.pages["member"][lang])


@router.get("/coordination", response_class=HTMLResponse, include_in_schema=False)
def coordinator_map(request: Request) -> HTMLResponse:
    """The coordinators' food-desert map (French). Open data only: no member is shown."""
    return HTMLResponse(request.app.state.pages["coordination"])


@router.get("/coordination/mona", response_class=HTMLResponse, include_in_schema=False)
def mona_map(request: Request) -> HTMLResponse:
    """The coordinators' Mona flows page; its data needs a coordinator's login."""
    return HTMLResponse(request.app.state.pages["mona"])


@router.get("/coordination/recrutement", response_class=HTMLResponse, include_in_schema=False)
def recruitment_map(request: Request) -> HTMLResponse:
    """The coordinators' recruitment page (strata coverage, targeting); data after login."""
    return HTMLResponse(request.app.state.pages["recruitment"])


@router.get("/producteur", response_class=HTMLResponse, include_in_schema=False)
def producer_map(request: Request) -> HTMLResponse:
    """A producer's demand page; data after login."""
    return HTMLResponse(request.app.state.pages["producer"])


@router.get("/api/territory", response_model=TerritoryInfo, tags=["territory"])
def territory_info(territory: TerritoryDep) -> TerritoryInfo:
    """The caisse's territory: name, bounding box and data attribution."""
    return TerritoryInfo(code=territory.code, name=territory.name, bbox=list(territory.bbox),
                         attribution=territory.attribution)


@router.get("/healthz", response_model=Health, include_in_schema=False)
def healthz() -> Health:
    return Health(status="ok")
