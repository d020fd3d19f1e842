"""Shapes every part of the API shares: links, paging, the published figure."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, Strict

#: a year the ledger may hold (the schema says what the server accepts: no year 0000)
YEAR_PATTERN = r"^[1-9][0-9]{3}$"
#: a year or a month of it
PERIOD_PATTERN = r"^[1-9][0-9]{3}(-(0[1-9]|1[0-2]))?$"
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: numbers and booleans of a request body as the schema says them: 0 is not false, "5" not 5
StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]
StrictBool = Annotated[bool, Strict()]

#: a date written YYYY-MM-DD, and only so (pydantic would read 0 as 1970-01-01)
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
#: a moment, always with its offset (SpatiaLite gives back UTC times without one)
Instant = Annotated[datetime, AfterValidator(_aware)]


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
