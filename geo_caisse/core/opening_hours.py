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

    def describe_fr(self) -> str:
        """A short French description, e.g. ``"mardi, samedi : 07:30–13:30"``."""
        return self._describe(WEEKDAY_NAMES_FR, closed="fermé", colon=" : ", sep=" ; ")

    def describe_en(self) -> str:
        """A short English description, e.g. ``"Tuesday, Saturday: 07:30–13:30"``."""
        return self._describe(WEEKDAY_NAMES_EN, closed="closed", colon=": ", sep="; ")

    def _describe(self, names_of: dict[str, str], *, closed: str, colon: str, sep: str) -> str:
        if not self.open_weekdays():
            return closed
        groups: dict[tuple[Interval, ...], list[str]] = {}
        for day in WEEKDAYS:
            intervals = self.days.get(day)
            if intervals:
                groups.setdefault(intervals, []).append(names_of[day])
        parts = []
        for intervals, names in groups.items():
            times = ", ".join(f"{_fmt(a)}–{_fmt(b)}" for a, b in intervals)
            parts.append(f"{', '.join(names)}{colon}{times}")
        return sep.join(parts)


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
    'lundi, mardi, mercredi, jeudi, vendredi : 08:00–12:30, 15:00–19:30'
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
