"""A territory's levels: its own, coarse to fine, with their French names; a neighbourhood of
another level, or whose parent is not coarser, is refused when the layer is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geo_caisse.core.errors import DataError, ValidationError
from geo_caisse.core.levels import Level, parse_levels
from geo_caisse.core.territory import Territory
from geo_caisse.io.readers import load_neighbourhoods_file
from tests.utils.territories import copy, other_levels, relevel


def test_the_bundled_territory_lists_its_levels(territory: Territory) -> None:
    assert territory.levels == (Level("commune", "commune", "communes"),
                                Level("quartier", "quartier", "quartiers"),
                                Level("sous_quartier", "sous-quartier", "sous-quartiers"))
    assert territory.coarsest.code == "commune" and territory.finest.code == "sous_quartier"
    assert territory.level_label("sous_quartier", many=True) == "sous-quartiers"
    assert territory.level_rank("commune") < territory.level_rank("sous_quartier")
    assert territory.population is not None and territory.population.level == "sous_quartier"
    with pytest.raises(ValidationError, match=r"level: 'iris' is not a level of the "
                       r"territory .*; its levels are commune, quartier, sous_quartier"):
        territory.level("iris")


def test_a_territory_with_its_own_levels(tmp_path: Path) -> None:
    t = Territory.from_dir(other_levels(tmp_path / "t"))
    assert [(lv.code, lv.one, lv.many) for lv in t.levels] == [
        ("commune", "commune", "communes"), ("secteur", "secteur", "secteurs"),
        ("iris", "IRIS", "IRIS")]
    zones = load_neighbourhoods_file(t.layer_paths["neighbourhoods"], t)
    assert {n.level for n, _ in zones} == {"commune", "secteur", "iris"}


def test_without_levels_the_file_gives_them_in_the_builtin_order(tmp_path: Path) -> None:
    folder = relevel(copy(tmp_path / "t", population={"level": "iris"}),
                      {"quartier": "grand_quartier", "sous_quartier": "iris"}, None)
    t = Territory.from_dir(folder)
    assert t.level_codes == ("commune", "grand_quartier", "iris")
    assert t.level_label("grand_quartier", many=True) == "grands quartiers"


@pytest.mark.parametrize(("config", "message"), [
    ({"levels": "commune"}, r"levels must be a list of level codes"),
    ({"levels": []}, r"levels must be a list of level codes"),
    ({"levels": ["Commune"]}, r"level code\(s\) 'Commune': a level code is lowercase"),
    ({"levels": ["commune", "grand-quartier"]}, r"'grand-quartier'"),
    ({"levels": ["commune", "commune"]}, r"levels lists commune more than once"),
    ({"levels": ["commune", "canton"]},
     r"level\(s\) canton have no French name: add \[level_labels\] canton"),
    ({"levels": ["commune"], "level_labels": {"canton": {"one": "canton", "many": "cantons"}}},
     r"\[level_labels\] names level\(s\) canton that are not in levels \(commune\)"),
    ({"levels": ["canton"], "level_labels": {"canton": {"one": "canton"}}},
     r"\[level_labels\] canton must be \{ one = "),
    ({"levels": ["commune"], "level_labels": "communes"}, r"\[level_labels\] must be a table"),
])
def test_bad_levels_are_refused_with_the_reason(config: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_levels(config, where="territory.toml")


def test_a_label_names_a_level_the_code_does_not_know() -> None:
    levels = parse_levels({"levels": ["commune", "canton"],
                           "level_labels": {"canton": {"one": "canton", "many": "cantons"}}},
                          where="territory.toml")
    assert levels[1] == Level("canton", "canton", "cantons")


def test_reading_refuses_a_level_or_a_parent_the_territory_does_not_have(
        tmp_path: Path) -> None:
    folder = copy(tmp_path / "t")
    t = Territory.from_dir(folder)
    path = folder / "neighbourhoods.geojson"
    doc = json.loads(path.read_text("utf-8"))
    doc["features"][0]["properties"]["level"] = "iris"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(DataError, match=r"feature 1: level: 'iris' is not a level of the "
                       r"territory .*; its levels are commune, quartier, sous_quartier"):
        load_neighbourhoods_file(path, t)
    doc["features"][0]["properties"]["level"] = "commune"
    child = next(f["properties"] for f in doc["features"]
                 if f["properties"]["level"] == "quartier")
    sub = next(f["properties"] for f in doc["features"]
               if f["properties"]["level"] == "sous_quartier")
    child["parent_code"] = sub["code"]  # a quartier inside a sous-quartier
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(DataError, match=rf"{child['code']}: parent_code '{sub['code']}' is a "
                       r"sous_quartier, not coarser than its quartier"):
        load_neighbourhoods_file(path, t)
