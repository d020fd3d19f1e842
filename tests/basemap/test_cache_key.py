"""The base map's cache key: what the map draws of the neighbourhoods, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from geo_caisse.basemap.sources import cache_key
from geo_caisse.core.territory import Territory
from tests.utils.territories import copy


def _edit(folder: Path, change: str) -> None:
    path = folder / "neighbourhoods.geojson"
    doc = json.loads(path.read_text("utf-8"))
    first = doc["features"][0]
    if change == "income":
        for f in doc["features"]:
            f["properties"]["median_income_uc_eur"] = None
    elif change == "name":
        first["properties"]["name"] = first["properties"]["name"] + " (nouveau nom)"
    else:  # outline
        ring = first["geometry"]["coordinates"][0]
        if first["geometry"]["type"] == "MultiPolygon":
            ring = ring[0]
        ring[1] = [ring[1][0] + 0.001, ring[1][1]]
    path.write_text(json.dumps(doc), "utf-8")


def test_an_income_update_keeps_the_map_a_new_name_or_outline_cuts_it(tmp_path: Path) -> None:
    keys = {}
    for change in ("none", "income", "name", "outline"):
        folder = copy(tmp_path / change)
        if change != "none":
            _edit(folder, change)
        keys[change] = cache_key(Territory.from_dir(folder))
    assert keys["income"] == keys["none"]
    assert len({keys["none"], keys["name"], keys["outline"]}) == 3


def test_the_same_folder_elsewhere_keeps_its_map(tmp_path: Path) -> None:
    import shutil

    from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR

    here = Territory.from_dir(BUNDLED_TERRITORY_DIR)
    moved = shutil.copytree(BUNDLED_TERRITORY_DIR, tmp_path / "elsewhere" / "montpellier")
    there = Territory.from_dir(moved)
    assert str(here.directory) in repr(here.basemap)  # its sources' paths differ…
    assert cache_key(there) == cache_key(here)  # …and its key does not
