"""A place's hours at the moment a member asks about: open, later, closed, unknown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.opening_hours import parse_opening_hours
from geo_caisse.core.places import Moment, Place, check_kinds, matches, parse_when, status
from geo_caisse.core.territory import Territory

MARKET = parse_opening_hours("Tu,Sa 07:30-13:30")


def _place(hours: str | None) -> Place:
    return Place("market", 1, "m", "Marché", 3.87, 43.61, hours, None)


@pytest.mark.parametrize(("moment", "state", "until", "next_day", "next_time"), [
    (Moment("Tu", 8 * 60, now=True), "open", "13:30", None, None),
    (Moment("Tu", 6 * 60, now=True), "opens_later", None, "Tu", "07:30"),
    # the case: a market that closed at 13:30 is not "open today" at 19:31
    (Moment("Tu", 19 * 60 + 31, now=True), "closed", None, "Sa", "07:30"),
    (Moment("We", 10 * 60), "closed", None, "Sa", "07:30"),
    (Moment("Sa", None), "open", None, None, None),
    (Moment("We", None), "closed", None, "Sa", "07:30"),
])
def test_status_at_a_moment(moment: Moment, state: str, until: str | None,
                            next_day: str | None, next_time: str | None) -> None:
    s = status(MARKET, moment)
    assert (s.state, s.until, s.next_day, s.next_time) == (state, until, next_day, next_time)


def test_overnight_hours_are_open_after_midnight() -> None:
    late = parse_opening_hours("Fr 22:00-02:00")
    assert status(late, Moment("Sa", 60)).state == "open"
    assert status(late, Moment("Sa", 180)).state == "closed"


def test_unknown_hours_never_count_as_open() -> None:
    assert status(None, Moment("Tu", 600)).state == "unknown"
    assert not matches(_place(None), Moment("Tu", 600))
    assert not matches(_place(None), Moment("Tu", None))
    assert matches(_place(None), None)  # no moment asked: every place
    assert matches(_place("Tu,Sa 07:30-13:30"), Moment("Tu", 600))
    assert not matches(_place("Tu,Sa 07:30-13:30"), Moment("Tu", 19 * 60 + 31))
    assert not matches(_place("Tu,Sa 07:30-13:30"), Moment("We", None))


def test_when_reads_the_territory_local_time(territory: Territory) -> None:
    # 18:31 UTC on a Tuesday of December is 19:31 in Montpellier
    now = datetime(2026, 12, 1, 18, 31, tzinfo=UTC)
    assert parse_when("now", territory, now=now) == Moment("Tu", 19 * 60 + 31, now=True)
    assert parse_when("today", territory, now=now) == Moment("Tu", None)
    assert parse_when("We 10:00", territory) == Moment("We", 600)
    assert parse_when(None, territory) is None
    for bad in ("Wednesday", "We 25:00", "We 10h"):
        with pytest.raises(ValidationError, match="when must be"):
            parse_when(bad, territory)


def test_kinds() -> None:
    assert check_kinds(None)[0] == "market" and "market_stall" not in check_kinds(None)
    assert check_kinds(["shop", "market"]) == ("market", "shop")
    with pytest.raises(ValidationError, match="unknown: stall"):
        check_kinds(["stall"])
