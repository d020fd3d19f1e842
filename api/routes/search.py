"""Offline address and place search for the member map (no external geocoder).

``POST`` with the query in the body, so no URL (hence no proxy or browser history) holds
it; the server keeps no log of it (``geo-caisse serve`` runs without an access log) and
the answer is marked ``Cache-Control: no-store``.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import SearchDep, throttled
from api.errors import responses
from api.schemas.layers import Hit, SearchIn

router = APIRouter(prefix="/api", tags=["search"])


@router.post("/search", response_model=list[Hit], dependencies=[throttled("search")],
             responses=responses(413, 422, 429, 503))
def search(body: SearchIn, response: Response, index: SearchDep) -> list[Hit]:
    """Addresses, streets and places (markets, conventionnés, neighbourhoods) matching ``q``."""
    response.headers["Cache-Control"] = "no-store"
    return [Hit(kind=f.kind, label=f.label, lon=f.lon, lat=f.lat, detail=f.detail)
            for f in index.search(body.q, n=body.n)]
