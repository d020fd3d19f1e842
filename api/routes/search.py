"""Offline address and place search for the member map (no external geocoder).

``POST`` with the query in the body, so no URL (hence no proxy or browser history) holds
it; the server keeps no log of it (``geo-caisse serve`` runs without an access log) and
the answer is marked ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from geo_caisse._errors import DataError
from geo_caisse.geocode import MAX_QUERY_CHARS, AddressIndex

router = APIRouter(prefix="/api", tags=["search"])


def get_index(request: Request) -> AddressIndex:
    index = getattr(request.app.state, "search", None)
    if index is None:
        raise DataError("address search is not configured for this territory ([search])")
    return index  # type: ignore[no-any-return]


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=2, max_length=MAX_QUERY_CHARS,
                   description="an address (12 rue de la Loge) or the name of a place")
    n: int = Field(default=5, ge=1, le=20)


class Hit(BaseModel):
    kind: str
    label: str
    lon: float
    lat: float
    detail: str


@router.post("/search", response_model=list[Hit])
def search(body: SearchIn, response: Response,
           index: Annotated[AddressIndex, Depends(get_index)]) -> list[Hit]:
    """Addresses, streets and places (markets, conventionnés, neighbourhoods) matching ``q``."""
    response.headers["Cache-Control"] = "no-store"
    return [Hit(kind=f.kind, label=f.label, lon=f.lon, lat=f.lat, detail=f.detail)
            for f in index.search(body.q, n=body.n)]
