"""OGC-API-Features-style paging links."""

from __future__ import annotations

from fastapi import Request

from api.schemas.common import Link


def links(request: Request, *, offset: int, limit: int, returned: int, matched: int) -> list[Link]:
    out = [Link(href=str(request.url), rel="self")]
    if offset + returned < matched:
        out.append(Link(href=str(request.url.include_query_params(offset=offset + limit)),
                        rel="next"))
    if offset > 0:
        out.append(Link(href=str(request.url.include_query_params(
            offset=max(0, offset - limit))), rel="prev"))
    return out
