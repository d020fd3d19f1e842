"""Variants of the bundled territory for tests: sections dropped, the caisse's rules changed.

A variant is a ``territory.toml`` in a temporary folder whose paths point back at the
bundled files, so nothing is copied.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR

#: keys of each section holding a path relative to the territory's folder
_PATHS = {"": ("outline",), "layers": None, "network": ("source",),
          "population": ("points",), "enrolment": ("strata",),
          "search": ("addresses", "stops", "amenities", "aliases"),
          "basemap": ("streets", "transit_lines", "transit_stops")}


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} as TOML")


def variant(folder: Path, *, drop: tuple[str, ...] = (), **changes: dict[str, Any]) -> Path:
    """A territory folder like the bundled one, without the sections in ``drop`` and with
    each ``section={key: value}`` of ``changes`` applied; returns the folder."""
    config = tomllib.loads((BUNDLED_TERRITORY_DIR / "territory.toml").read_text("utf-8"))
    for section, keys in _PATHS.items():
        table = config if section == "" else config.get(section, {})
        for key in (keys if keys is not None else list(table)):
            if key in table:
                table[key] = str(BUNDLED_TERRITORY_DIR / table[key])
    for section in drop:
        config.pop(section, None)
    for section, values in changes.items():
        config.setdefault(section, {}).update(values)
    lines = [f"{k} = {_value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    for section, table in config.items():
        if isinstance(table, dict):
            lines += ["", f"[{section}]", *(f"{k} = {_value(v)}" for k, v in table.items())]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "territory.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
