"""The caisse's spatial domain: territory pieces, points of sale and markets.

These are plain, validated value objects. Storage maps them to tables
(``geo_caisse.storage``); the API maps them to GeoJSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from geo_caisse.core.errors import ValidationError


class PointOfSaleKind(StrEnum):
    """What kind of place sells food for Mona."""

    PRODUCER = "producer"
    SHOP = "shop"
    EPICERIE = "epicerie"
    COOPERATIVE = "cooperative"
    AMAP = "amap"
    MARKET_STALL = "market_stall"


class Status(StrEnum):
    """Where a point of sale stands with the citizens' committee."""

    CANDIDATE = "candidate"
    CONVENTIONNE = "conventionne"
    SUSPENDED = "suspended"


class Wheelchair(StrEnum):
    """OSM ``wheelchair=*`` values."""

    YES = "yes"
    LIMITED = "limited"
    NO = "no"
    UNKNOWN = "unknown"


class MarketKind(StrEnum):
    """Open-air market, producers' market or covered market hall."""

    PLEIN_VENT = "plein_vent"
    PRODUCTEURS = "producteurs"
    HALLE = "halle"


#: Product categories a point of sale may declare (alcohol and hygiene products are excluded
#: from the Mona by the caisse's rules, so they are not categories here).
CATEGORIES: tuple[str, ...] = (
    "bakery",
    "butcher",
    "cheese",
    "deli",
    "dry_goods",
    "eggs",
    "frozen_food",
    "fruit_vegetables",
    "grocery",
    "honey",
    "meat",
    "organic",
    "seafood",
    "supermarket",
    "convenience",
    "farm",
    "dairy",
)


def takes_mona(status: Status | str, accepts_mona: bool | None) -> bool:
    """Whether members may pay there: a conventionné that accepts the Mona (the one rule).

    >>> takes_mona(Status.CONVENTIONNE, True), takes_mona("conventionne", False)
    (True, False)
    """
    return Status(status) is Status.CONVENTIONNE and bool(accepts_mona)


E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: object, *, name: str) -> E:
    """Return ``enum(value)`` or raise a ValidationError listing the allowed values."""
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ValidationError(f"{name} must be one of {allowed}, got {value!r}") from None


def parse_categories(value: object, *, name: str = "categories") -> tuple[str, ...]:
    """Categories from a list or a ``;``-separated string, each one of :data:`CATEGORIES`."""
    if value is None or value == "":
        return ()
    items = value.split(";") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    out: list[str] = []
    for item in items:
        cat = str(item).strip().lower()
        if not cat:
            continue
        if cat not in CATEGORIES:
            raise ValidationError(
                f"{name}: unknown category {cat!r}; allowed: {', '.join(CATEGORIES)}"
            )
        if cat not in out:
            out.append(cat)
    return tuple(out)


@dataclass(frozen=True)
class PointOfSale:
    """A place where members may (once conventionné) spend Mona."""

    ref: str
    name: str
    kind: PointOfSaleKind
    lon: float
    lat: float
    status: Status = Status.CANDIDATE
    categories: tuple[str, ...] = ()
    opening_hours: str | None = None
    wheelchair: Wheelchair = Wheelchair.UNKNOWN
    accepts_mona: bool = False
    address: str | None = None
    market_ref: str | None = None
    source: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.accepts_mona and self.status is not Status.CONVENTIONNE:
            raise ValidationError(
                f"point of sale {self.ref!r}: accepts_mona is only possible when status is "
                f"conventionne (status is {self.status.value})"
            )
        if self.kind is PointOfSaleKind.MARKET_STALL and not self.market_ref:
            raise ValidationError(f"point of sale {self.ref!r}: a market_stall needs market_ref")

    @property
    def takes_mona(self) -> bool:
        """A conventionné accepting the Mona: members may pay here (:func:`takes_mona`)."""
        return takes_mona(self.status, self.accepts_mona)


@dataclass(frozen=True)
class Market:
    """A market: a place, its days and hours, and the stalls present."""

    ref: str
    name: str
    kind: MarketKind
    lon: float
    lat: float
    opening_hours: str
    address: str | None = None
    source: str | None = None
    id: int | None = None
    stall_count: int = 0
    conventionne_stall_count: int = 0

    @property
    def visibility(self) -> float | None:
        """Share of the market's stalls that are conventionnés (None without stalls)."""
        if self.stall_count == 0:
            return None
        return self.conventionne_stall_count / self.stall_count


@dataclass(frozen=True)
class Neighbourhood:
    """A zone of the territory with its population and income indicators."""

    code: str
    name: str
    level: str  # the code of one of the territory's levels (Territory.levels)
    population: int | None
    population_year: int | None
    parent_code: str | None = None
    median_income_uc_eur: float | None = None
    benefit_dependent_share: float | None = None
    extra: dict[str, object] = field(default_factory=dict)
    id: int | None = None
