"""Opening hours in the common subset of OSM's ``opening_hours`` syntax.

Supported: ``24/7``; rules separated by ``;``, each ``<days> <times>`` or
``<days> off``; days as ``Mo``..``Su``, ranges (``Mo-Fr``, ``Sa-Mo``) and lists
(``Tu,Sa``); times as ``HH:MM-HH:MM`` lists (``08:00-12:30,15:00-19:00``);
``PH`` (public holiday) rules are accepted and ignored. A later rule for a day
replaces an earlier one, as in OSM. Anything else raises a
:class:`~geo_caisse.core.errors.ValidationError` naming the part not understood.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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

_TIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAY_TOKEN = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")

Interval = tuple[int, int]  # minutes since midnight, end may exceed 1440 for overnight


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals (minutes since midnight) for each weekday code."""

    days: dict[str, tuple[Interval, ...]]
    source: str

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
        """
        return self._describe(WEEKDAY_NAMES_FR, closed="fermé", colon=" : ", sep=" ; ",
                              every="tous les jours", run="du {} au {}", and_=" et ",
                              clock=_clock_fr, dash=" – ")

    def describe_en(self) -> str:
        """A short English description.

        >>> parse_opening_hours("Mo-Su 07:30-13:30").describe_en()
        'every day: 07:30–13:30'
        >>> parse_opening_hours("Tu,Sa 07:30-13:30").describe_en()
        'Tuesday and Saturday: 07:30–13:30'
        """
        return self._describe(WEEKDAY_NAMES_EN, closed="closed", colon=": ", sep="; ",
                              every="every day", run="{} to {}", and_=" and ", clock=_fmt,
                              dash="–")

    def _describe(self, names_of: dict[str, str], *, closed: str, colon: str, sep: str,
                  every: str, run: str, and_: str, clock: Callable[[int], str],
                  dash: str) -> str:
        if not self.open_weekdays():
            return closed
        groups: dict[tuple[Interval, ...], list[str]] = {}
        for day in WEEKDAYS:
            intervals = self.days.get(day)
            if intervals:
                groups.setdefault(intervals, []).append(day)
        parts = []
        for intervals, days in groups.items():
            times = ", ".join(f"{clock(a)}{dash}{clock(b)}" for a, b in intervals)
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


def _expand_days(spec: str, whole: str) -> list[str]:
    days: list[str] = []
    for token in spec.split(","):
        match = _DAY_TOKEN.match(token.strip())
        if not match:
            raise ValidationError(f"opening_hours {whole!r}: day {token.strip()!r} not understood")
        start = WEEKDAYS.index(match.group(1))
        end = WEEKDAYS.index(match.group(2)) if match.group(2) else start
        i = start
        while True:
            days.append(WEEKDAYS[i])
            if i == end:
                break
            i = (i + 1) % 7
    return days


def _parse_times(spec: str, whole: str) -> tuple[Interval, ...]:
    intervals: list[Interval] = []
    for token in spec.split(","):
        match = _TIME.match(token.strip())
        if not match:
            raise ValidationError(f"opening_hours {whole!r}: time {token.strip()!r} not understood")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValidationError(f"opening_hours {whole!r}: time {token.strip()!r} out of range")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            end += 24 * 60
        intervals.append((start, end))
    return tuple(sorted(intervals))


def parse_opening_hours(value: str) -> WeeklyHours:
    """Parse an ``opening_hours`` string.

    >>> parse_opening_hours("Tu,Sa 07:30-13:30").open_weekdays()
    ['Tu', 'Sa']
    >>> parse_opening_hours("Mo-Sa 08:00-12:30,15:00-19:30; Sa off").describe_fr()
    'du lundi au vendredi : 8 h – 12 h 30, 15 h – 19 h 30'
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("opening_hours must be a non-empty string")
    text = value.strip()
    if text == "24/7":
        return WeeklyHours({d: ((0, 24 * 60),) for d in WEEKDAYS}, text)
    days: dict[str, tuple[Interval, ...]] = {}
    for raw_rule in text.split(";"):
        rule = raw_rule.strip()
        if not rule:
            continue
        if rule.startswith("PH"):
            continue
        head, _, rest = rule.partition(" ")
        rest = rest.strip()
        if not rest:
            raise ValidationError(f"opening_hours {text!r}: rule {rule!r} has no times")
        rule_days = _expand_days(head, text)
        intervals: tuple[Interval, ...] = () if rest == "off" else _parse_times(rest, text)
        for day in rule_days:
            days[day] = intervals
    return WeeklyHours(days, text)
