"""``geo-caisse territory check DIR``: every problem of a territory folder, with its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR
from geo_caisse.io import _gdal
from geo_caisse.layers.territory_check import check_territory
from tests.utils.gdal import write_gpkg
from tests.utils.territories import copy, without_layer


def run_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo_caisse.cli", "territory", "check",
                           str(folder)], capture_output=True, text=True, timeout=120)


def _edit(path: Path, edit: object) -> None:
    doc = json.loads(path.read_text("utf-8"))
    edit(doc)  # type: ignore[operator]
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_the_bundled_territory_passes() -> None:
    r = run_check(BUNDLED_TERRITORY_DIR)
    assert r.returncode == 0, r.stderr
    assert "the territory is usable" in r.stdout
    assert "529 points_of_sale" in r.stdout and "18 markets" in r.stdout
    assert "Traceback" not in r.stderr and r.stderr == ""


def test_a_broken_folder_lists_every_problem_with_its_fix(tmp_path: Path) -> None:
    folder = copy(tmp_path / "t")
    (folder / "strata.csv").unlink()                       # a missing file

    def unknown_level(doc: dict[str, list[dict[str, dict[str, str]]]]) -> None:
        doc["features"][0]["properties"]["level"] = "arrondissement"
        doc["features"][1]["properties"]["median_income_uc_eur"] = "beaucoup"  # type: ignore

    _edit(folder / "neighbourhoods.geojson", unknown_level)
    # population points without a CRS
    points = folder / "points.gpkg"
    _gdal.call(write_gpkg, [{"n": 1}], [(3.88, 43.61)], None, None, str(points))
    toml = folder / "territory.toml"
    text = toml.read_text("utf-8")
    start = text.index('points = "')
    end = text.index("\n", start)
    toml.write_text(text[:start] + f'points = "{points.name}"' + text[end:], "utf-8")
    r = run_check(folder)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    err = r.stderr
    assert "problem: strata.csv: the strata file is missing" in err
    assert "Fix: put the file in the folder, or correct [enrolment] strata" in err
    assert "feature 1 (34022): level 'arrondissement' is not one of the territory's" in err
    assert "use one of the territory's levels (commune, quartier, sous_quartier)" in err
    assert "feature 2" in err and "median_income_uc_eur must be euros" in err
    assert "points.gpkg: the layer has no CRS" in err
    assert "4 problem(s)" in err


def test_empty_and_absent_markets(tmp_path: Path) -> None:
    folder = copy(tmp_path / "empty")
    (folder / "markets.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    report = check_territory(folder)
    notes = [str(f) for f in report.notes]
    assert "note: markets.geojson: the layer holds no market" in notes[0]
    # the stalls of Montpellier's markets now name no market: each is named, with the fix
    assert not report.ok
    stalls = [str(p) for p in report.problems]
    assert stalls[0].startswith("problem: points_of_sale.geojson: row ")
    assert "row 510, market_ref: 'antigone' names no market" in stalls[0]
    assert "add the market to the markets layer, or empty market_ref" in stalls[0]

    (folder / "markets.geojson").write_text("")           # a zero-byte file is not GeoJSON
    report = check_territory(folder)
    assert any("markets.geojson" in str(p) and "not valid GeoJSON" in str(p)
               for p in report.problems)

    without_layer(folder, "markets")
    report = check_territory(folder)
    assert any("no markets layer" in str(n) for n in report.notes)


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace('code = "montpellier"\n', ""), "the key 'code' is missing"),
    (lambda t: t.replace('neighbourhoods = "neighbourhoods.geojson"\n', ""),
     "[layers] does not name the neighbourhoods layer"),
    (lambda t: t.replace('points_of_sale = "points_of_sale.geojson"',
                         'points_of_sale = "nope.geojson"'),
     "nope.geojson: the points of sale file is missing"),
    (lambda t: t.replace('level = "sous_quartier"', 'level = "iris"'),
     "[population] level 'iris': no neighbourhood has that level"),
    (lambda t: t.replace('metric_crs = "EPSG:2154"', 'metric_crs = "EPSG:4326"'),
     "planar maths needs a projected CRS in metres"),
    (lambda t: t + "[[broken", "not valid TOML"),
])
def test_each_config_problem_is_named(tmp_path: Path, edit: object, expected: str) -> None:
    folder = copy(tmp_path / "t")
    toml = folder / "territory.toml"
    toml.write_text(edit(toml.read_text("utf-8")), "utf-8")  # type: ignore[operator]
    report = check_territory(folder)
    assert not report.ok
    assert any(expected in str(p) for p in report.problems), report.problems
    if "projected" in expected:
        assert "EPSG:2154 (Lambert-93) in mainland France" in str(report.problems[0])


def test_no_income_no_strata_are_notes_not_problems(tmp_path: Path) -> None:
    folder = copy(tmp_path / "t", drop=("enrolment",))

    def no_income(doc: dict[str, list[dict[str, dict[str, object]]]]) -> None:
        for f in doc["features"]:
            f["properties"]["median_income_uc_eur"] = None

    _edit(folder / "neighbourhoods.geojson", no_income)
    report = check_territory(folder)
    assert report.ok, report.problems
    notes = " ".join(str(n) for n in report.notes)
    assert "no sous_quartier has median_income_uc_eur: the low-income rule" in notes
    assert "no [enrolment] strata: the enrolment coverage, the targeting" in notes


def test_a_folder_that_is_not_a_territory(tmp_path: Path) -> None:
    r = run_check(tmp_path)
    assert r.returncode == 2 and "no territory.toml in" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_check(tmp_path / "nowhere")
    assert r.returncode == 2 and "no such folder" in r.stderr


def test_hours_not_understood_are_notes_market_days_absent_a_problem(tmp_path: Path) -> None:
    folder = copy(tmp_path / "t")

    def french_hours(doc: dict[str, list[dict[str, dict[str, object]]]]) -> None:
        doc["features"][0]["properties"]["opening_hours"] = "Lu-Sa 8h-19h"
        doc["features"][1]["properties"]["opening_hours"] = "Mo-Fr 08:00-20:00, Sa 09:00-13:00"

    _edit(folder / "points_of_sale.geojson", french_hours)
    _edit(folder / "markets.geojson", french_hours)
    r = run_check(folder)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and r.stderr == ""
    for name in ("points_of_sale.geojson", "markets.geojson"):
        assert (f"note: {name}: row 1, opening_hours: opening_hours 'Lu-Sa 8h-19h' not "
                "understood from character 1") in r.stdout
    assert "Fix: the place is kept and its hours shown as to be checked; write them in " \
           "OpenStreetMap's opening_hours syntax" in r.stdout
    assert "row 2" not in r.stdout  # the full syntax is understood

    def no_days(doc: dict[str, list[dict[str, dict[str, object]]]]) -> None:
        del doc["features"][2]["properties"]["opening_hours"]

    _edit(folder / "markets.geojson", no_days)
    report = check_territory(folder)
    assert [str(p) for p in report.problems] == [
        "problem: markets.geojson: row 3: opening_hours is required. Fix: give the market's "
        "days and hours in OpenStreetMap's opening_hours syntax, e.g. Tu,Sa 07:00-13:30"]
    assert any("'Lu-Sa 8h-19h'" in str(n) for n in report.notes)
