"""Files an attacker or a fuzzer sends: each refused with its row and a short reason, in
bounded time and memory, never an unhandled error; exports a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from geo_caisse import ImportFileError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.io._gdal import call as _gdal_call
from geo_caisse.io.validation import MAX_PROBLEMS, read_layer
from geo_caisse.io.writers import export_bytes, write_layer
from tests.utils.gdal import write_gpkg_layers

GOOD = {"ref": "t-1", "name": "Primeur test", "kind": "shop", "status": "conventionne",
        "opening_hours": "Tu-Sa 08:00-12:30"}


def _fc(path: Path, *features: Any) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def _feature(props: dict[str, Any], coordinates: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Point", "coordinates": coordinates}}


def _problems(path: Path, territory: Territory, **kwargs: Any) -> dict[int, str]:
    with pytest.raises(ImportFileError) as info:
        read_layer(path, "points_of_sale", territory, **kwargs)
    return {p.row: f"{p.field}: {p.message}" for p in info.value.problems}


def test_bad_coordinates_are_refused_with_their_row(tmp_path: Path,
                                                    territory: Territory) -> None:
    path = _fc(tmp_path / "coords.geojson",
               _feature({**GOOD, "ref": "ok"}, [3.8797, 43.6085]),
               _feature({**GOOD, "ref": "strings"}, ["3.87", "43.61"]),
               _feature({**GOOD, "ref": "z"}, [3.87, 43.61, 12.0]),
               _feature({**GOOD, "ref": "bool"}, [True, 43.61]),
               _feature({**GOOD, "ref": "nested"}, [[3.87], [43.61]]))
    by_row = _problems(path, territory)
    assert set(by_row) == {2, 3, 4, 5}
    assert "coordinates must be numbers, got '3.87' (str)" in by_row[2]
    assert "got 3" in by_row[3] and "altitude" in by_row[3]
    assert "(bool)" in by_row[4] and "(list)" in by_row[5]


def test_huge_numbers_are_a_row_problem_not_a_crash(tmp_path: Path,
                                                    territory: Territory) -> None:
    digits = "1" * 5001
    path = tmp_path / "digits.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ['
                    '{"type": "Feature", "properties": {"ref": "a", "name": "A", "kind": "shop"},'
                    f' "geometry": {{"type": "Point", "coordinates": [{digits}, 43.61]}}}},'
                    f'{{"type": "Feature", "properties": {{"ref": {digits}, "name": "B",'
                    ' "kind": "shop"}, "geometry": {"type": "Point", "coordinates": [3.87, 43.6]}}'
                    ']}')
    by_row = _problems(path, territory)
    assert "not finite" in by_row[1]
    assert "ref must be text, got float" in by_row[2]
    assert all(len(m) < 200 for m in by_row.values())


def test_deep_nesting_is_refused_whole(tmp_path: Path, territory: Territory) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for where in ("coordinates", "properties"):
        geometry = ('{"type": "Point", "coordinates": ' + deep + "}" if where == "coordinates"
                    else '{"type": "Point", "coordinates": [3.87, 43.61]}')
        props = '{"ref": "a", "extra": ' + deep + "}" if where == "properties" else "{}"
        path = tmp_path / f"deep-{where}.geojson"
        path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                        f'"properties": {props}, "geometry": {geometry}}}]}}')
        with pytest.raises(ValidationError, match="nested too deep"):
            read_layer(path, "points_of_sale", territory)


def test_text_holding_nul_or_a_boolean_ref_is_refused(tmp_path: Path,
                                                      territory: Territory) -> None:
    path = _fc(tmp_path / "text.geojson",
               _feature({**GOOD, "ref": "nul", "name": "Chez\x00Paul"}, [3.88, 43.61]),
               _feature({**GOOD, "ref": True}, [3.88, 43.61]),
               _feature({**GOOD, "ref": "bell", "address": "1 rue\x07"}, [3.88, 43.61]),
               _feature({**GOOD, "ref": "ok", "address": "1 rue\tde la Loge\n"},
                        [3.88, 43.61]))
    by_row = _problems(path, territory)
    assert set(by_row) == {1, 2, 3}
    assert "name holds a control character (NUL)" in by_row[1]
    assert "ref must be text, got bool 'True'" in by_row[2]
    assert "U+0007" in by_row[3]


def test_a_csv_field_over_the_csv_limit_is_named_with_its_row(tmp_path: Path,
                                                              territory: Territory) -> None:
    path = tmp_path / "field.csv"
    path.write_text("ref,name,kind,lon,lat\nok,A,shop,3.88,43.61\n"
                    f'big,"{"x" * 200_000}",shop,3.88,43.61\n')
    by_row = _problems(path, territory)
    assert list(by_row) == [2] and "field larger than field limit" in by_row[2]


def test_a_million_bad_rows_stop_at_the_first_problems(tmp_path: Path,
                                                       territory: Territory) -> None:
    path = tmp_path / "million.csv"
    with open(path, "w") as fh:
        fh.write("ref,name,kind,lon,lat\n")
        fh.write("x,,,a,b\n" * 1_000_000)
    assert path.stat().st_size > 4_000_000
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as info:
        read_layer(path, "points_of_sale", territory)
    assert time.perf_counter() - started < 5
    assert len(info.value.problems) == MAX_PROBLEMS and info.value.stopped_at == 101
    assert "100 problem(s) in the first 101 row(s), where validation stopped" in str(info.value)
    assert len(str(info.value)) < 4000


def test_a_geopackage_of_several_layers_needs_its_layer_named(tmp_path: Path,
                                                              territory: Territory) -> None:
    path = tmp_path / "two.gpkg"
    rows = {"shops": [({"ref": "s", "name": "S", "kind": "shop"}, (3.88, 43.61))],
            "farms": [({"ref": "f", "name": "F", "kind": "producer"}, (3.87, 43.60)),
                      ({"ref": "g", "name": "G", "kind": "producer"}, (3.86, 43.60))]}
    _gdal_call(write_gpkg_layers, rows, str(path))
    with pytest.raises(ValidationError, match=r"holds 2 layers \(shops, farms\): name the one"):
        read_layer(path, "points_of_sale", territory)
    assert [p.ref for p in read_layer(path, "points_of_sale", territory,
                                      gpkg_layer="farms")] == ["f", "g"]
    with pytest.raises(ValidationError, match="no layer 'barns'; it holds shops, farms"):
        read_layer(path, "points_of_sale", territory, gpkg_layer="barns")
    with pytest.raises(ValidationError, match="layer names a GeoPackage's layer"):
        read_layer(tmp_path / "x.csv", "points_of_sale", territory, gpkg_layer="farms")


def test_an_unreadable_file_never_shows_the_servers_path(tmp_path: Path,
                                                        territory: Territory) -> None:
    path = tmp_path / "upload.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError) as info:
        read_layer(path, "points_of_sale", territory, source="mine.gpkg")
    assert "mine.gpkg" in str(info.value)
    assert str(tmp_path) not in str(info.value), str(info.value)


def test_the_csv_export_escapes_what_a_spreadsheet_would_run(tmp_path: Path,
                                                             territory: Territory) -> None:
    names = ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "Chez Paul"]
    path = _fc(tmp_path / "formulas.geojson", *(
        _feature({**GOOD, "ref": f"f-{i}", "name": name}, [3.88, 43.61])
        for i, name in enumerate(names)))
    objs = read_layer(path, "points_of_sale", territory)
    cells = [row["name"] for row in csv.DictReader(io.StringIO(
        export_bytes(objs, "points_of_sale", "csv").decode()))]
    assert cells == ["'" + n for n in names[:4]] + ["Chez Paul"]
    back = read_layer(write_layer(objs, "points_of_sale", tmp_path / "out.csv"),
                      "points_of_sale", territory)
    assert [p.name for p in back] == names  # the importer drops the quote again
