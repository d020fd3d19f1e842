"""HTML pages and small service routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import MAX_ID, SessionsDep, TerritoryDep
from api.schemas.common import Health
from api.schemas.layers import LevelInfo, TerritoryInfo
from geo_caisse.enrolment.held import draw_exists

router = APIRouter(tags=["pages"])


#: who may frame a page: the embeddable member map anyone (an association's own site), the
#: others only the service itself (no clickjacking of a login form)
_FRAMED_BY_ANYONE = {"Content-Security-Policy": "frame-ancestors *"}
_FRAMED_BY_US = {"Content-Security-Policy": "frame-ancestors 'self'",
                 "X-Frame-Options": "SAMEORIGIN"}


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers=_FRAMED_BY_US)


def _private(html: str) -> HTMLResponse:
    """A page where codes are shown or typed: never framed, cached, or its address sent on."""
    return HTMLResponse(html, headers={**_FRAMED_BY_US, "Cache-Control": "no-store",
                                       "Referrer-Policy": "no-referrer"})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def member_map(request: Request, lang: Annotated[Literal["fr", "en"], Query()] = "fr",
               embed: Annotated[bool, Query()] = False,
               lieu: Annotated[str | None, Query(max_length=40)] = None) -> HTMLResponse:
    """The member map, in French (``?lang=en``: English); ``?embed=1``: the compact view
    for another site; ``?lieu=market:12``: opened on one place (read by the page)."""
    html = request.app.state.pages.html("member", lang=lang, embed=embed)
    return HTMLResponse(html, headers=_FRAMED_BY_ANYONE if embed else _FRAMED_BY_US)


@router.get("/coordination", response_class=HTMLResponse, include_in_schema=False)
def coordinator_map(request: Request) -> HTMLResponse:
    """The coordinators' food-desert map (French). Open data only: no member is shown."""
    return _page(request.app.state.pages.html("coordination"))


@router.get("/coordination/mona", response_class=HTMLResponse, include_in_schema=False)
def mona_map(request: Request) -> HTMLResponse:
    """The coordinators' Mona flows page; its data needs a coordinator's login."""
    return _page(request.app.state.pages.html("mona"))


@router.get("/coordination/recrutement", response_class=HTMLResponse, include_in_schema=False)
def recruitment_map(request: Request) -> HTMLResponse:
    """The coordinators' recruitment page (strata coverage, targeting); data after login."""
    return _page(request.app.state.pages.html("recruitment"))


@router.get("/producteur", response_class=HTMLResponse, include_in_schema=False)
def producer_map(request: Request) -> HTMLResponse:
    """A producer's demand page; data after login."""
    return _page(request.app.state.pages.html("producer"))


@router.get("/coordination/propositions", response_class=HTMLResponse,
            include_in_schema=False)
def suggestions_page(request: Request) -> HTMLResponse:
    """The coordinators' queue of suggestions from the public; data after login."""
    return _page(request.app.state.pages.html("suggestions"))


@router.get("/moi", response_class=HTMLResponse, include_in_schema=False)
def member_space(request: Request,
                 lang: Annotated[Literal["fr", "en"], Query()] = "fr") -> HTMLResponse:
    """The member's own space: balance, statement, paying; data after login."""
    return _private(request.app.state.pages.html("me", lang=lang))


@router.get("/encaisser", response_class=HTMLResponse, include_in_schema=False)
def till_page(request: Request) -> HTMLResponse:
    """A point of sale's till; data after login."""
    return _private(request.app.state.pages.html("till"))


@router.get("/bienvenue", response_class=HTMLResponse, include_in_schema=False)
def welcome_page(request: Request,
                 lang: Annotated[Literal["fr", "en"], Query()] = "fr") -> HTMLResponse:
    """Where a person uses their invitation letter's code."""
    return _private(request.app.state.pages.html("welcome", lang=lang))


@router.get("/coordination/comptes", response_class=HTMLResponse, include_in_schema=False)
def accounts_page(request: Request) -> HTMLResponse:
    """The coordinators' accounts and invitations; data after login."""
    return _page(request.app.state.pages.html("accounts"))


@router.get("/coordination/tresorerie", response_class=HTMLResponse,
            include_in_schema=False)
def treasury_page(request: Request) -> HTMLResponse:
    """The coordinators' treasury (allocation, reconversions, budget); data after login."""
    return _page(request.app.state.pages.html("treasury"))


@router.get("/coordination/conventionnement", response_class=HTMLResponse,
            include_in_schema=False)
def conventionnement_page(request: Request) -> HTMLResponse:
    """The committee's conventionnement dossiers; data after login."""
    return _page(request.app.state.pages.html("conventionnement"))


@router.get("/coordination/budget", response_class=HTMLResponse, include_in_schema=False)
def budget_page(request: Request) -> HTMLResponse:
    """The committee's budget planner; data after login."""
    return _page(request.app.state.pages.html("budget"))


@router.get("/coordination/tirage", response_class=HTMLResponse, include_in_schema=False)
def draw_page(request: Request) -> HTMLResponse:
    """The coordinators' public draw (quotas, seed, draw, letters, exits); data after login."""
    return _page(request.app.state.pages.html("draw"))


@router.get("/tirage/{draw_id}", response_class=HTMLResponse, include_in_schema=False)
def draw_result_page(request: Request, draw_id: str, sessions: SessionsDep) -> HTMLResponse:
    """A held draw's public page (no login); an unknown draw is a French 404 page."""
    known = draw_id.isascii() and draw_id.isdigit() and 1 <= int(draw_id) <= MAX_ID \
        and draw_exists(sessions, int(draw_id))
    if not known:
        return HTMLResponse(request.app.state.pages.html("draw_unknown"), status_code=404,
                            headers=_FRAMED_BY_US)
    return _page(request.app.state.pages.html("draw_result"))


@router.get("/api/territory", response_model=TerritoryInfo, tags=["territory"])
def territory_info(territory: TerritoryDep) -> TerritoryInfo:
    """The caisse's territory: name, bounding box, data attribution and the levels of its
    neighbourhoods with their French names, coarse to fine."""
    return TerritoryInfo(code=territory.code, name=territory.name, bbox=list(territory.bbox),
                         attribution=territory.attribution,
                         levels=[LevelInfo(code=lv.code, one=lv.one, many=lv.many)
                                 for lv in territory.levels])


@router.get("/healthz", response_model=Health, include_in_schema=False)
async def healthz() -> Health:
    return Health(status="ok")
