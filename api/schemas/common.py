"""Shapes every part of the API shares: links, paging, the published figure."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Link(BaseModel):
    href: str
    rel: str
    type: str = "application/geo+json"


class Paged(BaseModel):
    numberMatched: int  # noqa: N815 (OGC API Features names)
    numberReturned: int  # noqa: N815
    links: list[Link] = []


class Figure(BaseModel):
    """A published figure about members: both None (``suppressed``) when hidden."""

    mona: str | None = Field(description="MonA, a decimal string; null when suppressed")
    members: int | None = Field(description="distinct members behind it (0 or at least the "
                                            "territory's minimum group); null when suppressed")
    suppressed: bool


class Health(BaseModel):
    status: str
