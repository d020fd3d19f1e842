"""Opening hours in OSM's ``opening_hours`` syntax, read by a maintained parser.

Every value is parsed by ``opening-hours-py`` (the Rust parser ``opening-hours-rs``), which
knows the whole specification (``Mo-Fr 08:00-20:00, Sa 09:00-13:00``, months, week numbers,
``PH``, ``sunrise``, comments, fallback rules…). What the rest of geo_caisse reads is a
*week*: the opening intervals of each weekday, evaluated by the parser over one reference
week (the current one unless ``week_of`` is given). Public holidays are not applied (no
country is given to the parser): a ``PH off`` rule changes nothing, as before.

- a *regular* value opens the same way every week of the coming year, with no comment nor
  ``unknown`` state: its week says all of it, and :meth:`WeeklyHours.describe_fr` says it in
  plain French;
- any other value that parses (seasons, dated weeks, comments) is understood for its
  reference week, and described by showing the value itself;
- a value the parser refuses: :func:`parse_opening_hours` raises a
  :class:`~geo_caisse.core.errors.ValidationError` naming where it stops being
  understood; :func:`read_opening_hours` instead keeps the raw text as hours *to be checked*
  (``problem`` set, no opening), which never count as open or closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import opening_hours as _oh

from geo_caisse.core.errors import ValidationError

WEEKDAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
WEEKDAY_NAMES_EN: dict[str, str] = {
    "Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday", "Fr": "Friday",
    "Sa": "Saturday", "Su": "Sunday",
}
WEEKDAY_NAMES_FR: dict[str, str] = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
}

#: how many weeks ahead a value must open as in its reference week to be *regular*
REGULAR_WEEKS = 53
#: the parser's position in its error message (`` --> 1:7``)
_AT = re.compile(r"-->\s*\d+:(\d+)")
_DAY_MIN = 24 * 60
#: what the parser raises on a value it refuses (its type stubs do not declare it)
_PARSER_ERROR: type[Exception] = _oh.ParserError  # type: ignore[attr-defined]
_SOLAR = re.compile(r"sunrise|sunset|dawn|dusk", re.IGNORECASE)

Interval = tuple[int, int]  # minutes since midnight, end may exceed 1440 for overnight

#: what to do about hours the parser refused (the row is kept, its hours to be checked)
HOURS_FIX = ("the place is kept and its hours shown as to be checked; write them in "
             "OpenStreetMap's opening_hours syntax, e.g. Mo-Fr 08:00-12:00,14:00-19:00; "
             "Sa 09:00-12:00 (https://openingh.openstreetmap.de/evaluation_tool/ tests one)")


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals (minutes since midnight) for each weekday code."""

    days: dict[str, tuple[Interval, ...]]
    source: str
    #: the week says all the value says (same every week, no comment): French describes it
    regular: bool = True
    #: why the parser refused the value (it is then kept as text, hours to be checked)
    problem: str | None = None

    @property
    def understood(self) -> bool:
        """Whether the parser read the value (otherwise the hours are to be checked)."""
        return self.problem is None

    def is_open_on(self, weekday: str) -> bool:
        """Whether the place opens at some time on ``weekday`` (``"Mo"``..``"Su"``)."""
        return bool(self.days.get(check_weekday(weekday)))

    def open_weekdays(self) -> list[str]:
        """The weekday codes on which the place opens, Monday first."""
        return [d for d in WEEKDAYS if self.days.get(d)]

    def intervals_at(self, weekday: str) -> tuple[Interval, ...]:
        """The day's opening intervals, with the part of the day before spilling past
        midnight (minutes since this day's midnight)."""
        day = check_weekday(weekday)
        before = WEEKDAYS[(WEEKDAYS.index(day) - 1) % 7]
        spill = tuple((0, end - 24 * 60) for start, end in self.days.get(before, ())
                      if end > 24 * 60)
        return spill + self.days.get(day, ())

    def open_at(self, weekday: str, minute: int) -> Interval | None:
        """The interval open at ``minute`` (0..1439) of ``weekday``, or None when closed."""
        for start, end in self.intervals_at(weekday):
            if start <= minute < end:
                return start, end
        return None

    def next_opening(self, weekday: str, minute: int) -> tuple[str, int] | None:
        """The next opening after ``minute`` of ``weekday``: its weekday and start minute
        (within the coming week), or None when the place never opens."""
        first = WEEKDAYS.index(check_weekday(weekday))
        for ahead in range(8):
            day = WEEKDAYS[(first + ahead) % 7]
            starts = [s for s, _ in self.days.get(day, ()) if ahead > 0 or s > minute]
            if starts:
                return day, min(starts)
        return None

    def describe_fr(self) -> str:
        """A short French description.

        >>> parse_opening_hours("Tu,Sa 07:30-13:30").describe_fr()
        'mardi et samedi : 7 h 30 – 13 h 30'
        >>> parse_opening_hours("Mo,We,Fr 16:00-19:00").describe_fr()
        'lundi, mercredi et vendredi : 16 h – 19 h'
        >>> parse_opening_hours("Mo-Fr 08:00-12:30,15:00-19:00").describe_fr()
        'du lundi au vendredi : 8 h – 12 h 30, 15 h – 19 h'
        >>> parse_opening_hours("Mo-Fr 08:00-20:00, Sa 09:00-13:00").describe_fr()
        'du lundi au vendredi : 8 h – 20 h ; samedi : 9 h – 13 h'

        A value that French cannot say in a few words is shown as it is written; one the
        parser refused, as hours to be checked:

        >>> parse_opening_hours("24/7").describe_fr()
        'tous les jours : toute la journée'
        >>> parse_opening_hours("Jul-Aug Mo-Fr 10:00-12:00").describe_fr()
        'Jul-Aug Mo-Fr 10:00-12:00'
        >>> read_opening_hours("Lu-Ve 8h-12h").describe_fr()
        'Lu-Ve 8h-12h (à vérifier)'
        """
        if not self.understood:
            return f"{self.source} (à vérifier)"
        if not self.regular:
            return self.source
        return self._describe(WEEKDAY_NAMES_FR, closed="fermé", colon=" : ", sep=" ; ",
                              every="tous les jours", run="du {} au {}", and_=" et ",
                              clock=_clock_fr, dash=" – ", all_day="toute la journée")

    def describe_en(self) -> str:
        """A short English description.

        >>> parse_opening_hours("Mo-Su 07:30-13:30").describe_en()
        'every day: 07:30–13:30'
        >>> parse_opening_hours("Tu,Sa 07:30-13:30").describe_en()
        'Tuesday and Saturday: 07:30–13:30'
        """
        if not self.understood:
            return f"{self.source} (to be checked)"
        if not self.regular:
            return self.source
        return self._describe(WEEKDAY_NAMES_EN, closed="closed", colon=": ", sep="; ",
                              every="every day", run="{} to {}", and_=" and ", clock=_fmt,
                              dash="–", all_day="all day")

    def _describe(self, names_of: dict[str, str], *, closed: str, colon: str, sep: str,
                  every: str, run: str, and_: str, clock: Callable[[int], str],
                  dash: str, all_day: str) -> str:
        if not self.open_weekdays():
            return closed
        groups: dict[tuple[Interval, ...], list[str]] = {}
        for day in WEEKDAYS:
            intervals = self.days.get(day)
            if intervals:
                groups.setdefault(intervals, []).append(day)
        parts = []
        for intervals, days in groups.items():
            times = ", ".join(all_day if (a, b) == (0, _DAY_MIN) else
                              f"{clock(a)}{dash}{clock(b)}" for a, b in intervals)
            said = _days_text(days, names_of, every=every, run=run, and_=and_)
            parts.append(f"{said}{colon}{times}")
        return sep.join(parts)


def _days_text(days: list[str], names_of: dict[str, str], *, every: str, run: str,
               and_: str) -> str:
    """Days in words: every day, runs of three or more as a range, the others listed, the
    last two joined by ``and_``."""
    if len(days) == 7:
        return every
    index = [WEEKDAYS.index(d) for d in days]
    runs: list[list[int]] = []
    for i in index:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    words = []
    for r in runs:
        if len(r) >= 3:
            words.append(run.format(names_of[WEEKDAYS[r[0]]], names_of[WEEKDAYS[r[-1]]]))
        else:
            words += [names_of[WEEKDAYS[i]] for i in r]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + and_ + words[-1]


def _clock_fr(minutes: int) -> str:
    """French time: ``7 h 30``, ``12 h``."""
    minutes %= 24 * 60
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


def clock(minutes: int) -> str:
    """``HH:MM`` of minutes since midnight (past midnight wraps): ``clock(450) == "07:30"``."""
    return _fmt(minutes)


def _fmt(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_weekday(value: str) -> str:
    """Return the two-letter weekday code or raise, listing the allowed values."""
    code = value.strip()[:2].capitalize() if isinstance(value, str) else ""
    if code not in WEEKDAYS or len(value.strip()) != 2:
        raise ValidationError(f"weekday must be one of {', '.join(WEEKDAYS)}, got {value!r}")
    return code


def _reason(text: str, exc: Exception) -> str:
    """The parser's refusal in a sentence: where the value stops being understood."""
    match = _AT.search(str(exc))
    if match is None:
        return f"opening_hours {text!r} not understood"
    col = max(int(match.group(1)) - 1, 0)
    rest = text[col:]
    if not rest:
        return f"opening_hours {text!r} not understood: it stops too early"
    return (f"opening_hours {text!r} not understood from character {col + 1} "
            f"({rest[:20]!r})")


def _monday(week_of: date | None) -> datetime:
    day = week_of or date.today()
    start = day - timedelta(days=day.weekday())
    return datetime(start.year, start.month, start.day)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _pieces(spans: list[tuple[datetime, datetime]], origin: datetime, ndays: int
            ) -> list[list[Interval]]:
    """Open spans cut at each midnight into per-day intervals (day 0 is ``origin``), a span
    running past midnight into a day it does not fill kept whole on the day it starts."""
    days: list[list[Interval]] = [[] for _ in range(ndays)]
    for start, end in spans:
        a, b = _minutes(start - origin), _minutes(end - origin)
        while a < b:
            day = a // _DAY_MIN
            stop = min(b, (day + 1) * _DAY_MIN)
            if 0 <= day < ndays:
                days[day].append((a - day * _DAY_MIN, stop - day * _DAY_MIN))
            a = stop
    for day in range(ndays - 1):
        today, tomorrow = days[day], days[day + 1]
        if today and tomorrow and today[-1][1] == _DAY_MIN and tomorrow[0][0] == 0 \
                and tomorrow[0][1] < _DAY_MIN:
            today[-1] = (today[-1][0], _DAY_MIN + tomorrow.pop(0)[1])
    return days


@lru_cache(maxsize=8192)
def _parse(text: str, monday: datetime) -> WeeklyHours:
    try:
        parsed = _oh.OpeningHours(text, auto_country=False, auto_timezone=False)
    except (_PARSER_ERROR, ValueError, OverflowError) as exc:
        raise ValidationError(_reason(text, exc)) from None
    # the reference week, from the Sunday before (its night may run into Monday) to the
    # Monday after (Sunday's night)
    origin = monday - timedelta(days=1)
    spans = [(a, b) for a, b, state, _ in parsed.intervals(origin, origin + timedelta(days=9))
             if state == _oh.State.OPEN]
    pieces = _pieces(spans, origin, 9)[1:8]
    days = {d: tuple(sorted(p)) for d, p in zip(WEEKDAYS, pieces, strict=True) if p}
    return WeeklyHours(days, text, regular=_regular(parsed, text, monday))


def _regular(parsed: _oh.OpeningHours, text: str, monday: datetime) -> bool:
    """Whether every week of the coming year opens as the first one, with no comment and
    no ``unknown`` state (fallback rules ``||`` and comments are never regular)."""
    if '"' in text or "||" in text or _SOLAR.search(text):
        return False  # the parser has no place to put the sun: its 07:00-19:00 is a guess
    week = _DAY_MIN * 7
    weeks: list[list[tuple[int, int]]] = [[] for _ in range(REGULAR_WEEKS)]
    end = monday + timedelta(weeks=REGULAR_WEEKS)
    for a, b, state, comment in parsed.intervals(monday, end):
        if state == _oh.State.UNKNOWN or comment:
            return False
        if state != _oh.State.OPEN:
            continue
        start, stop = _minutes(a - monday), _minutes(b - monday)
        while start < stop:
            w = start // week
            cut = min(stop, (w + 1) * week)
            if w < REGULAR_WEEKS:
                weeks[w].append((start - w * week, cut - w * week))
            start = cut
    return all(w == weeks[0] for w in weeks[1:])


def parse_opening_hours(value: str, *, week_of: date | None = None) -> WeeklyHours:
    """Parse an ``opening_hours`` string, or raise naming what is not understood.

    ``week_of``: a day of the reference week (default: today).

    >>> parse_opening_hours("Tu,Sa 07:30-13:30").open_weekdays()
    ['Tu', 'Sa']
    >>> parse_opening_hours("Mo-Sa 08:00-12:30,15:00-19:30; Sa off").describe_fr()
    'du lundi au vendredi : 8 h – 12 h 30, 15 h – 19 h 30'
    >>> parse_opening_hours("Fr 18:00-02:00").days
    {'Fr': ((1080, 1560),)}
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("opening_hours must be a non-empty string")
    return _parse(value.strip(), _monday(week_of))


def read_opening_hours(value: str | None, *, week_of: date | None = None
                       ) -> WeeklyHours | None:
    """The hours of a stored value: None when there is none, hours *to be checked* (its
    text kept, no opening, ``problem`` saying why) when the parser refuses it.

    >>> read_opening_hours("Mo-Fr 8h-12h").problem
    "opening_hours 'Mo-Fr 8h-12h' not understood from character 7 ('8h-12h')"
    """
    if value is None or not value.strip():
        return None
    try:
        return parse_opening_hours(value, week_of=week_of)
    except ValidationError as exc:
        return WeeklyHours({}, value.strip(), regular=False, problem=str(exc))


__all__ = ["HOURS_FIX", "REGULAR_WEEKS", "WEEKDAYS", "WEEKDAY_NAMES_EN", "WEEKDAY_NAMES_FR",
           "Interval", "WeeklyHours", "check_weekday", "clock", "parse_opening_hours",
           "read_opening_hours"]
