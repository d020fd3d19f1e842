"""The levels of a territory's zoning (commune, IRIS, quartier…), coarse to fine.

Each territory lists its own in ``territory.toml`` (``levels = ["commune", "iris"]``) and
names in French the levels the code does not know (``[level_labels]``). Without ``levels``,
the levels are those the neighbourhoods file holds, in the built-in order
:data:`BUILTIN_ORDER`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo_caisse.core.errors import DataError

#: the French names (one, many) of the levels every territory may use without naming them
BUILTIN_LABELS: dict[str, tuple[str, str]] = {
    "commune": ("commune", "communes"),
    "arrondissement": ("arrondissement", "arrondissements"),
    "grand_quartier": ("grand quartier", "grands quartiers"),
    "quartier": ("quartier", "quartiers"),
    "iris": ("IRIS", "IRIS"),
    "sous_quartier": ("sous-quartier", "sous-quartiers"),
}
#: the order of the built-in levels, coarse to fine (used when ``levels`` is absent)
BUILTIN_ORDER: tuple[str, ...] = tuple(BUILTIN_LABELS)
#: a level code: lowercase ASCII letters, digits and ``_`` (at most 20, the column's width)
CODE = re.compile(r"[a-z][a-z0-9_]{0,19}")


@dataclass(frozen=True)
class Level:
    """One level of the zoning: its code and its French name, singular and plural."""

    code: str
    one: str
    many: str


def _label(value: Any, code: str, where: str) -> tuple[str, str]:
    if not (isinstance(value, dict) and set(value) == {"one", "many"}
            and all(isinstance(v, str) and v.strip() for v in value.values())):
        raise DataError(f"{where}: [level_labels] {code} must be "
                        f"{{ one = \"…\", many = \"…\" }} (its French name, singular and "
                        f"plural), got {value!r}")
    return value["one"].strip(), value["many"].strip()


def parse_levels(config: dict[str, Any], *, where: str,
                 present: Iterable[str] = ()) -> tuple[Level, ...]:
    """The levels of ``territory.toml``'s ``config``, coarse to fine.

    ``present`` (the levels the neighbourhoods hold) gives them, in the built-in order,
    when ``config`` has no ``levels``; levels ``present`` holds that the built-in order does
    not know are left out (the territory check names them).

    >>> [lv.code for lv in parse_levels({"levels": ["commune", "iris"]}, where="t")]
    ['commune', 'iris']
    >>> parse_levels({}, where="t", present=["iris", "commune"])[1].many
    'IRIS'
    """
    labels_table = config.get("level_labels", {})
    if not isinstance(labels_table, dict):
        raise DataError(f"{where}: [level_labels] must be a table: one line per level, "
                        "grand_quartier = { one = \"grand quartier\", many = \"grands "
                        "quartiers\" }")
    labels = dict(BUILTIN_LABELS)
    for code, value in labels_table.items():
        labels[code] = _label(value, code, where)
    if "levels" in config:
        codes = config["levels"]
        if not (isinstance(codes, list) and codes and all(isinstance(c, str) for c in codes)):
            raise DataError(f"{where}: levels must be a list of level codes, coarse to fine, "
                            f"e.g. levels = [\"commune\", \"iris\"], got {codes!r}")
    else:
        known = set(present)
        codes = [code for code in BUILTIN_ORDER if code in known]
    bad = [c for c in codes if not CODE.fullmatch(c)]
    if bad:
        raise DataError(f"{where}: level code(s) {', '.join(map(repr, bad))}: a level code is "
                        "lowercase letters, digits and _ (at most 20), e.g. grand_quartier")
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise DataError(f"{where}: levels lists {', '.join(twice)} more than once")
    unnamed = [c for c in codes if c not in labels]
    if unnamed:
        raise DataError(f"{where}: level(s) {', '.join(unnamed)} have no French name: add "
                        f"[level_labels] {unnamed[0]} = {{ one = \"…\", many = \"…\" }}")
    stray = [c for c in labels_table if c not in codes]
    if stray:
        raise DataError(f"{where}: [level_labels] names level(s) {', '.join(stray)} that "
                        f"are not in levels ({', '.join(codes) or 'none'})")
    return tuple(Level(c, *labels[c]) for c in codes)


def levels_in_file(path: Path) -> list[str]:
    """The levels a neighbourhoods GeoJSON holds (empty when it cannot be read)."""
    try:
        doc = json.loads(path.read_bytes())
        features = doc["features"]
        return sorted({str(f["properties"]["level"]) for f in features
                       if isinstance(f, dict) and isinstance(f.get("properties"), dict)
                       and f["properties"].get("level") not in (None, "")})
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return []


__all__ = ["BUILTIN_LABELS", "BUILTIN_ORDER", "CODE", "Level", "levels_in_file",
           "parse_levels"]
