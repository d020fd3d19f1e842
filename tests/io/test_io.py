"""Import validation: every bad row is named with its number; good files round-trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geo_caisse import CRSError, ImportFileError, PointOfSale, ValidationError
from geo_caisse.core.errors import Problem
from geo_caisse.core.territory import Territory
from geo_caisse.io._gdal import call as _gdal_call
from geo_caisse.io.validation import read_layer
from geo_caisse.io.writers import write_layer
from tests.utils.gdal import write_gpkg

GOOD = {"ref": "t-1", "name": "Primeur test", "kind": "shop", "status": "conventionne",
        "categories": "fruit_vegetables", "opening_hours": "Tu-Sa 08:00-12:30"}


def feature(props: dict[str, Any], geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def write_fc(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def test_good_geojson(tmp_path: Path, territory: Territory) -> None:
    path = write_fc(tmp_path / "ok.geojson", [feature(GOOD, point(3.8797, 43.6085))])
    [pos] = read_layer(path, "points_of_sale", territory)
    assert isinstance(pos, PointOfSale)
    assert pos.accepts_mona is True  # conventionné without an explicit value accepts the Mona
    assert pos.categories == ("fruit_vegetables",)


def test_every_bad_feature_is_reported_by_number(tmp_path: Path, territory: Territory) -> None:
    features = [
        feature({**GOOD, "ref": "ok-1"}, point(3.8797, 43.6085)),
        feature({**GOOD, "ref": "swap"}, point(43.6085, 3.8797)),
        feature({**GOOD, "ref": "paris"}, point(2.35, 48.85)),
        feature({**GOOD, "ref": "empty"}, {"type": "Point", "coordinates": []}),
        feature({**GOOD, "ref": "poly"}, {"type": "Polygon", "coordinates": [
            [[3.87, 43.60], [3.88, 43.60], [3.88, 43.61], [3.87, 43.60]]]}),
        feature({**GOOD, "ref": "kind", "kind": "supermarché"}, point(3.88, 43.61)),
        feature({**GOOD, "ref": "ok-1"}, point(3.88, 43.61)),
        feature({**GOOD, "ref": "nohours", "opening_hours": "lundi matin"}, point(3.88, 43.61)),
        feature({**GOOD, "ref": "mona", "status": "candidate", "accepts_mona": True},
                point(3.88, 43.61)),
        feature({"ref": "noname", "kind": "shop"}, point(3.88, 43.61)),
        feature({**GOOD, "ref": "nogeom"}, None),
    ]
    path = write_fc(tmp_path / "bad.geojson", features)
    notes: list[Problem] = []
    with pytest.raises(ImportFileError) as info:
        read_layer(path, "points_of_sale", territory, notes=notes)
    by_row = {p.row: p.message for p in info.value.problems}
    assert set(by_row) == {2, 3, 4, 5, 6, 7, 9, 10, 11}  # hours not understood: a note
    assert "swapped" in by_row[2]
    assert "outside the territory" in by_row[3]
    assert "a Point is expected, got a Polygon" in by_row[5]
    assert "kind must be one of" in by_row[6]
    assert "already used on row 1" in by_row[7]
    assert [(n.row, n.field) for n in notes] == [(8, "opening_hours")]
    assert "'lundi matin' not understood from character 1" in notes[0].message
    assert "accepts_mona" in by_row[9]
    assert "name is required" in by_row[10]
    assert "no geometry" in by_row[11]
    assert "nothing imported" in str(info.value)


def test_hours_not_understood_do_not_block_the_others(tmp_path: Path,
                                                      territory: Territory) -> None:
    """The full OSM syntax is read (``,`` between rules); hours the parser refuses keep the
    row, as written, and are a note; a market without hours is still refused."""
    features = [
        feature({**GOOD, "ref": "a", "opening_hours": "Mo-Fr 08:00-20:00, Sa 09:00-13:00"},
                point(3.88, 43.61)),
        feature({**GOOD, "ref": "b", "opening_hours": " Lu-Ve 8h-12h "}, point(3.88, 43.61)),
    ]
    notes: list[Problem] = []
    a, b = read_layer(write_fc(tmp_path / "pos.geojson", features), "points_of_sale",
                      territory, notes=notes)
    assert a.opening_hours == "Mo-Fr 08:00-20:00, Sa 09:00-13:00"
    assert b.opening_hours == "Lu-Ve 8h-12h"
    assert [str(n) for n in notes] == [
        "row 2, opening_hours: opening_hours 'Lu-Ve 8h-12h' not understood from character 1 "
        "('Lu-Ve 8h-12h')"]
    market = {"ref": "m", "name": "Marché", "kind": "plein_vent"}
    [m] = read_layer(write_fc(tmp_path / "m.geojson", [feature(
        {**market, "opening_hours": "Di 7h-13h"}, point(3.88, 43.61))]), "markets", territory)
    assert m.opening_hours == "Di 7h-13h"
    with pytest.raises(ImportFileError, match="row 1: opening_hours is required"):
        read_layer(write_fc(tmp_path / "m2.geojson", [feature(market, point(3.88, 43.61))]),
                   "markets", territory)


def test_nan_coordinates_in_csv(tmp_path: Path, territory: Territory) -> None:
    path = tmp_path / "nan.csv"
    path.write_text("ref,name,kind,lon,lat\na,A,shop,3.88,43.61\nb,B,shop,nan,43.61\n"
                    "c,C,shop,abc,43.6\n")
    with pytest.raises(ImportFileError, match=r"row 2, geometry: coordinates are not finite"):
        read_layer(path, "points_of_sale", territory)
    with pytest.raises(ImportFileError, match=r"row 3, geometry: lon/lat must be numbers"):
        read_layer(path, "points_of_sale", territory)


def test_csv_without_lonlat_columns(tmp_path: Path, territory: Territory) -> None:
    path = tmp_path / "nocoords.csv"
    path.write_text("ref,name,kind,x,y\na,A,shop,771000,6279000\n")
    with pytest.raises(ValidationError, match="missing column"):
        read_layer(path, "points_of_sale", territory)
    [pos] = read_layer(path, "points_of_sale", territory, crs="EPSG:2154")
    assert 3.85 < pos.lon < 3.90


def test_unknown_crs_member_in_geojson(tmp_path: Path, territory: Territory) -> None:
    path = write_fc(tmp_path / "crs.geojson", [feature(GOOD, point(771000, 6279000))],
                    crs={"type": "name", "properties": {"name": "EPSG:999999"}})
    with pytest.raises(CRSError, match="unknown CRS"):
        read_layer(path, "points_of_sale", territory)


def test_legacy_crs_member_is_honoured(tmp_path: Path, territory: Territory) -> None:
    path = write_fc(tmp_path / "l93.geojson", [feature(GOOD, point(771000, 6279000))],
                    crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}})
    [pos] = read_layer(path, "points_of_sale", territory)
    assert 43.6 < pos.lat < 43.62


def test_malformed_json(tmp_path: Path, territory: Territory) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(ValidationError, match="not valid GeoJSON"):
        read_layer(path, "points_of_sale", territory)


RECORD = [{"ref": "a", "name": "A", "kind": "shop"}]


def test_gpkg_without_crs_is_refused(tmp_path: Path, territory: Territory) -> None:
    path = tmp_path / "nocrs.gpkg"
    _gdal_call(write_gpkg, RECORD, [(3.88, 43.61)], None, None, str(path))
    with pytest.raises(CRSError, match="no CRS"):
        read_layer(path, "points_of_sale", territory)


def test_gpkg_in_lambert93_is_reprojected(tmp_path: Path, territory: Territory) -> None:
    path = tmp_path / "l93.gpkg"
    _gdal_call(write_gpkg, RECORD, [(3.88, 43.61)], "EPSG:4326", "EPSG:2154", str(path))
    [pos] = read_layer(path, "points_of_sale", territory)
    assert pos.lon == pytest.approx(3.88, abs=1e-7)
    assert pos.lat == pytest.approx(43.61, abs=1e-7)


@pytest.mark.parametrize("suffix", ["geojson", "csv", "gpkg"])
def test_round_trip(tmp_path: Path, territory: Territory, suffix: str) -> None:
    source = read_layer(territory.layer_paths["points_of_sale"], "points_of_sale", territory)
    path = write_layer(source, "points_of_sale", tmp_path / f"out.{suffix}")
    back = read_layer(path, "points_of_sale", territory)
    assert [p.ref for p in back] == [p.ref for p in source]
    for a, b in zip(source, back, strict=True):
        assert (a.name, a.kind, a.status, a.categories, a.opening_hours, a.accepts_mona,
                a.market_ref) == (b.name, b.kind, b.status, b.categories, b.opening_hours,
                                  b.accepts_mona, b.market_ref)
        assert abs(a.lon - b.lon) < 1e-6 and abs(a.lat - b.lat) < 1e-6
