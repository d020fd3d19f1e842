"""``geo-caisse territory check`` and a territory's own levels: a level the territory does not
list, a French name for a level it does not have, a parent that is not coarser, each a
problem with its fix."""

from __future__ import annotations

import json
from pathlib import Path

from geo_caisse.layers.territory_check import check_territory
from tests.utils.territories import copy, other_levels, relevel


def _messages(folder: Path) -> list[tuple[str, str, str]]:
    return [(f.where, f.message, f.fix) for f in check_territory(folder).problems]


def test_a_territory_with_its_own_levels_passes(tmp_path: Path) -> None:
    report = check_territory(other_levels(tmp_path / "t"))
    assert report.problems == [], [str(f) for f in report.problems]


def test_a_neighbourhood_of_a_level_the_territory_does_not_list(tmp_path: Path) -> None:
    folder = relevel(copy(tmp_path / "t", population={"level": "quartier"}), {},
                     ["commune", "quartier"])
    problems = _messages(folder)
    assert problems and all(where == "neighbourhoods.geojson" for where, _, _ in problems)
    _, message, fix = problems[0]
    assert message.endswith("level 'sous_quartier' is not one of the territory's")
    assert fix.startswith("use one of the territory's levels (commune, quartier), or add the "
                          "level to levels = […] in territory.toml")


def test_a_french_name_for_a_level_the_territory_does_not_have(tmp_path: Path) -> None:
    folder = relevel(copy(tmp_path / "t"), {}, ["commune", "quartier", "sous_quartier"],
                     {"canton": {"one": "canton", "many": "cantons"}})
    [(where, message, fix)] = _messages(folder)
    assert where == "territory.toml"
    assert "[level_labels] names level(s) canton that are not in levels" in message
    assert "give [level_labels] { one = …, many = … } only to levels of that list" in fix


def test_a_level_without_a_french_name(tmp_path: Path) -> None:
    folder = relevel(copy(tmp_path / "t"), {"quartier": "canton"},
                     ["commune", "canton", "sous_quartier"])
    [(where, message, fix)] = _messages(folder)
    assert where == "territory.toml" and "level(s) canton have no French name" in message
    assert "levels = [\"commune\", \"iris\"]" in fix


def test_a_parent_that_is_not_coarser(tmp_path: Path) -> None:
    folder = copy(tmp_path / "t")
    path = folder / "neighbourhoods.geojson"
    doc = json.loads(path.read_text("utf-8"))
    props = [f["properties"] for f in doc["features"]]
    quartier = next(p for p in props if p["level"] == "quartier")
    sub = next(p for p in props if p["level"] == "sous_quartier")
    quartier["parent_code"] = sub["code"]
    path.write_text(json.dumps(doc), "utf-8")
    [(where, message, fix)] = _messages(folder)
    assert where == "neighbourhoods.geojson"
    assert message == (f"{quartier['code']}: parent_code {sub['code']!r} is a sous_quartier, "
                       "not coarser than its quartier")
    assert "of a coarser level (levels coarse to fine: commune, quartier, sous_quartier)" in fix
