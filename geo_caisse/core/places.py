"""Where a member may spend the MonA, and whether each place is open at a given moment.

(The places themselves are read from the store by :mod:`geo_caisse.layers.places`.)

A *place* is what the member map lists: a conventionné accepting the MonA (a market stall
is shown through its market), or a market with at least one such stall. A *moment* is what
the member asks about: now, some time today or on a weekday, or a weekday at a time. Hours
that are not known never count as open: the place is shown "hours not given", and left out
as soon as a day or a time is asked for. Hours the parser did not understand are the same,
shown "hours to be checked" (``to_check``), never open nor closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from geo_caisse.core.domain import PointOfSaleKind
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.opening_hours import WEEKDAYS, WeeklyHours, clock, read_opening_hours
from geo_caisse.core.territory import Territory

#: the kinds of place a member filters on (a market stands for its conventionné stalls)
PLACE_KINDS: tuple[str, ...] = ("market", *(k.value for k in PointOfSaleKind
                                            if k is not PointOfSaleKind.MARKET_STALL))
_AT = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su) ([01]?\d|2[0-3]):([0-5]\d)$")

State = Literal["open", "opens_later", "closed", "unknown", "to_check"]


@dataclass(frozen=True)
class Place:
    """A place where the MonA is spent."""

    kind: str               # one of PLACE_KINDS
    id: int                 # the point of sale's or the market's id
    ref: str
    name: str
    lon: float
    lat: float
    opening_hours: str | None
    address: str | None
    categories: tuple[str, ...] = ()
    market_kind: str | None = None     # plein_vent, producteurs, halle (markets)
    stalls: int = 0                    # conventionné stalls (markets)
    wheelchair: str = "unknown"

    @property
    def key(self) -> str:
        """``market:12`` or ``point_of_sale:34``: a place's identity across both kinds."""
        return f"{'market' if self.kind == 'market' else 'point_of_sale'}:{self.id}"


@dataclass(frozen=True)
class Moment:
    """What a member asks about: ``weekday`` at ``minute`` (0..1439), or some time that day
    when ``minute`` is None; ``now`` when it is the present moment."""

    weekday: str
    minute: int | None
    now: bool = False

    @property
    def label(self) -> str:
        return self.weekday if self.minute is None else f"{self.weekday} {clock(self.minute)}"


@dataclass(frozen=True)
class OpenStatus:
    """A place's hours at a moment: ``open`` (at that time, ``until``; or, for a whole day,
    that day), ``opens_later`` that day, ``closed`` (``next_day`` and ``next_time``: its
    next opening, when it has one), ``unknown`` hours, or hours ``to_check`` (not
    understood). ``day_hours`` are the day's
    intervals (``"07:30–13:30"``)."""

    state: State
    until: str | None = None
    next_day: str | None = None
    next_time: str | None = None
    day_hours: str | None = None


def parse_when(when: str | None, territory: Territory, *,
               now: datetime | None = None) -> Moment | None:
    """``None`` (any time), ``"now"``, ``"today"``, a weekday ``"We"`` or ``"We 10:00"``."""
    if when is None or when == "":
        return None
    local = (now or datetime.now(ZoneInfo(territory.timezone))).astimezone(
        ZoneInfo(territory.timezone))
    today = WEEKDAYS[local.weekday()]
    if when == "now":
        return Moment(today, local.hour * 60 + local.minute, now=True)
    if when == "today":
        return Moment(today, None)
    if when in WEEKDAYS:
        return Moment(when, None)
    match = _AT.match(when)
    if not match:
        raise ValidationError(f"when must be now, today, a weekday (Mo..Su) or a weekday and "
                              f"a time such as 'We 10:00', got {when!r}")
    return Moment(match.group(1), int(match.group(2)) * 60 + int(match.group(3)))


def status(hours: WeeklyHours | None, moment: Moment) -> OpenStatus:
    """The place's hours at ``moment`` (for a whole day: open that day or not)."""
    if hours is None:
        return OpenStatus("unknown")
    if not hours.understood:
        return OpenStatus("to_check")
    day = ", ".join(f"{clock(a)}–{clock(b)}" for a, b in hours.intervals_at(moment.weekday))
    if moment.minute is None:
        if day:
            return OpenStatus("open", day_hours=day)
        after = hours.next_opening(moment.weekday, 24 * 60)
    else:
        interval = hours.open_at(moment.weekday, moment.minute)
        if interval is not None:
            return OpenStatus("open", until=clock(interval[1]), day_hours=day)
        after = hours.next_opening(moment.weekday, moment.minute)
    if after is None:
        return OpenStatus("closed")
    later = moment.minute is not None and after[0] == moment.weekday
    return OpenStatus("opens_later" if later else "closed", next_day=after[0],
                      next_time=clock(after[1]), day_hours=day or None)


def matches(place: Place, moment: Moment | None) -> bool:
    """Whether ``place`` answers the member's moment (unknown hours never do)."""
    if moment is None:
        return True
    hours = read_opening_hours(place.opening_hours)
    if hours is None or not hours.understood:
        return False
    if moment.minute is None:
        return bool(hours.intervals_at(moment.weekday))
    return hours.open_at(moment.weekday, moment.minute) is not None


def check_kinds(kinds: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """The kinds asked for (all when none), each one of :data:`PLACE_KINDS`."""
    if not kinds:
        return PLACE_KINDS
    unknown = sorted(set(kinds) - set(PLACE_KINDS))
    if unknown:
        raise ValidationError(f"kinds must be among {', '.join(PLACE_KINDS)}; "
                              f"unknown: {', '.join(unknown)}")
    return tuple(k for k in PLACE_KINDS if k in kinds)


def select(places: list[Place], *, kinds: tuple[str, ...], moment: Moment | None
           ) -> list[Place]:
    """The places of ``kinds`` that answer ``moment``."""
    return [p for p in places if p.kind in kinds and matches(p, moment)]


__all__ = ["PLACE_KINDS", "Moment", "OpenStatus", "Place", "check_kinds", "matches",
           "parse_when", "select", "status"]
