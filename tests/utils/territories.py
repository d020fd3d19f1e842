"""Variants of the bundled territory for tests: sections dropped, the caisse's rules changed.

A variant is a ``territory.toml`` in a temporary folder whose paths point back at the
bundled files, so nothing is copied.
"""

from __future__ import annotations

import json
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


#: the small files of the bundled folder a copy holds (the sources stay where they are)
SMALL_FILES = ("outline.geojson", "neighbourhoods.geojson", "points_of_sale.geojson",
               "markets.geojson", "strata.csv")


def copy(folder: Path, *, drop: tuple[str, ...] = (), **changes: dict[str, Any]) -> Path:
    """A :func:`variant` whose layers, outline and strata are copies in ``folder`` (so that a
    test may break or remove them); the large sources stay the bundled ones."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for name in SMALL_FILES:
        shutil.copyfile(BUNDLED_TERRITORY_DIR / name, folder / name)
    local = {"layers": {"neighbourhoods": "neighbourhoods.geojson",
                        "points_of_sale": "points_of_sale.geojson",
                        "markets": "markets.geojson"},
             "enrolment": {"strata": "strata.csv"}}
    local = {k: v for k, v in local.items() if k not in drop}
    for section, values in changes.items():
        local.setdefault(section, {}).update(values)
    variant(folder, drop=drop, **local)
    toml = folder / "territory.toml"
    text = toml.read_text("utf-8").replace(
        f'outline = "{BUNDLED_TERRITORY_DIR / "outline.geojson"}"', 'outline = "outline.geojson"')
    toml.write_text(text, encoding="utf-8")
    return folder


def relevel(folder: Path, rename: dict[str, str], levels: list[str] | None,
             labels: dict[str, dict[str, str]] | None = None) -> Path:
    """Rename the levels of ``folder``'s neighbourhoods and write its ``levels`` line (none:
    no line) and ``[level_labels]``."""
    path = folder / "neighbourhoods.geojson"
    doc = json.loads(path.read_text("utf-8"))
    for f in doc["features"]:
        f["properties"]["level"] = rename.get(f["properties"]["level"],
                                              f["properties"]["level"])
    path.write_text(json.dumps(doc), "utf-8")
    toml = folder / "territory.toml"
    lines = [ln for ln in toml.read_text("utf-8").splitlines() if not ln.startswith("levels =")]
    if levels is not None:
        lines.insert(0, "levels = [" + ", ".join(f'"{c}"' for c in levels) + "]")
    if labels:
        lines += ["", "[level_labels]"] + [
            f'{c} = {{ one = "{v["one"]}", many = "{v["many"]}" }}' for c, v in labels.items()]
    toml.write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def other_levels(folder: Path) -> Path:
    """A copy of the bundled territory with levels of its own: commune, secteur (its
    quartiers, a level the code does not know, named under ``[level_labels]``) and iris
    (its sous-quartiers)."""
    return relevel(copy(folder, population={"level": "iris"}),
                   {"quartier": "secteur", "sous_quartier": "iris"},
                   ["commune", "secteur", "iris"],
                   {"secteur": {"one": "secteur", "many": "secteurs"}})


def without_layer(folder: Path, layer: str) -> None:
    """Remove ``layer`` from ``[layers]`` of the folder's territory.toml."""
    toml = folder / "territory.toml"
    lines = [ln for ln in toml.read_text("utf-8").splitlines()
             if not ln.startswith(f"{layer} = ")]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")


def without_inputs(folder: Path) -> Path:
    """A :func:`copy` of the bundled territory without its optional inputs: no income
    (``median_income_uc_eur`` removed from every neighbourhood), no ``[enrolment] strata``
    and no markets (the market stalls removed from the points of sale); returns the folder."""
    import json

    copy(folder, drop=("enrolment",))
    without_layer(folder, "markets")
    for name, keep in (("points_of_sale.geojson",
                        lambda p: p["kind"] != "market_stall"),
                       ("neighbourhoods.geojson", lambda p: True)):
        path = folder / name
        doc = json.loads(path.read_text("utf-8"))
        doc["features"] = [f for f in doc["features"] if keep(f["properties"])]
        for f in doc["features"]:
            f["properties"].pop("median_income_uc_eur", None)
        path.write_text(json.dumps(doc), "utf-8")
    return folder


def set_properties(doc: dict[str, Any], i: int, **changes: Any) -> None:
    """Change feature ``i``'s properties in a GeoJSON document: ``...`` deletes a key."""
    props = doc["features"][i]["properties"]
    for key, value in changes.items():
        if value is ...:
            del props[key]
        else:
            props[key] = value
