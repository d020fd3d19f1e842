"""docs/schemas/*.schema.json: the bundled layers validate; what the checker refuses, the
schema refuses too."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from geo_caisse.core.errors import ImportFileError
from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR
from geo_caisse.core.territory import Territory
from geo_caisse.io.validation import read_layer
from geo_caisse.layers.territory_check import check_territory
from tests.utils.territories import copy as copy_territory
from tests.utils.territories import set_properties

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
LAYERS = ("neighbourhoods", "points_of_sale", "markets", "outline")

Doc = dict[str, Any]


def validator(layer: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{layer}.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def bundled(layer: str) -> Doc:
    doc: Doc = json.loads((BUNDLED_TERRITORY_DIR / f"{layer}.geojson").read_text("utf-8"))
    return doc


def errors(layer: str, doc: Doc) -> list[str]:
    return [e.message for e in validator(layer).iter_errors(doc)]


@pytest.mark.parametrize("layer", LAYERS)
def test_the_bundled_layers_validate(layer: str) -> None:
    assert set(p.name for p in SCHEMAS.glob("*.schema.json")) == {
        f"{name}.schema.json" for name in LAYERS}
    doc = bundled(layer)
    assert doc["features"]
    assert errors(layer, doc) == []


def _props(i: int, **changes: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        set_properties(doc, i, **changes)
    return edit


def _geometry(i: int, geometry: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        doc["features"][i]["geometry"] = geometry
    return edit


def _stall_without_market(doc: Doc) -> None:
    for f in doc["features"]:
        if f["properties"]["kind"] == "market_stall":
            f["properties"]["market_ref"] = None
            return
    raise AssertionError("no market stall in the bundled layer")


def _no_feature(doc: Doc) -> None:
    doc["features"] = []


POINT_BAD = [
    ("no ref", _props(0, ref=...)),
    ("blank name", _props(0, name="   ")),
    ("unknown kind", _props(0, kind="supermarché")),
    ("unknown status", _props(0, status="agréé")),
    ("unknown category", _props(0, categories="fruit_vegetables;alcohol")),
    ("a candidate accepting the MonA", _props(0, status="candidate", accepts_mona=True)),
    ("accepts_mona not a yes/no", _props(0, accepts_mona="peut-être")),
    ("a stall naming no market", _stall_without_market),
    ("a control character", _props(0, name="Primeur\u0007")),
    ("a ref too long", _props(0, ref="x" * 101)),
    ("a polygon", _geometry(0, {"type": "Polygon", "coordinates": [
        [[3.87, 43.60], [3.88, 43.60], [3.88, 43.61], [3.87, 43.60]]]})),
    ("no geometry", _geometry(0, None)),
    ("no row", _no_feature),
]
MARKET_BAD = [
    ("no market days", _props(0, opening_hours=...)),
    ("blank market days", _props(0, opening_hours=" ")),
    ("unknown market kind", _props(0, kind="brocante")),
    ("no name", _props(0, name=None)),
]


def _write(tmp_path: Path, doc: Doc) -> Path:
    path = tmp_path / "layer.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(("layer", "what", "edit"),
                         [("points_of_sale", what, edit) for what, edit in POINT_BAD]
                         + [("markets", what, edit) for what, edit in MARKET_BAD])
def test_what_the_import_refuses_the_schema_refuses(
        tmp_path: Path, territory: Territory, layer: str, what: str,
        edit: Callable[[Doc], None]) -> None:
    doc = copy.deepcopy(bundled(layer))
    edit(doc)
    with pytest.raises(ImportFileError):
        read_layer(_write(tmp_path, doc), layer, territory)  # type: ignore[arg-type]
    assert errors(layer, doc), what


def test_what_the_import_accepts_the_schema_accepts(tmp_path: Path,
                                                    territory: Territory) -> None:
    """Hours not understood, enums in capitals, a number as ref, categories as a list."""
    doc = copy.deepcopy(bundled("points_of_sale"))
    _props(0, opening_hours="Lu-Ve 8h-12h", kind="Shop", ref=12345,
           categories=["bakery", "organic"], accepts_mona="non")(doc)
    _props(1, opening_hours="Mo-Fr 08:00-20:00, Sa 09:00-13:00", status=None, address=None)(doc)
    assert read_layer(_write(tmp_path, doc), "points_of_sale", territory)
    # enum values are written in lower case in the contract; the import forgives capitals
    assert errors("points_of_sale", doc) == ["'Shop' is not one of ['producer', 'shop', "
                                             "'epicerie', 'cooperative', 'amap', "
                                             "'market_stall']"]
    _props(0, kind="shop")(doc)
    assert errors("points_of_sale", doc) == []
    markets = copy.deepcopy(bundled("markets"))
    _props(0, opening_hours="Di 7h-13h")(markets)
    markets["features"] = markets["features"][:1]
    assert read_layer(_write(tmp_path, markets), "markets", territory)
    assert errors("markets", markets) == []
    assert errors("markets", {"type": "FeatureCollection", "features": []}) == []


def _level(doc: Doc) -> None:
    doc["features"][0]["properties"]["level"] = ""


def _population(doc: Doc) -> None:
    doc["features"][0]["properties"]["population"] = -3


def _share(doc: Doc) -> None:
    doc["features"][0]["properties"]["benefit_dependent_share"] = 32


def _income(doc: Doc) -> None:
    doc["features"][1]["properties"]["median_income_uc_eur"] = "beaucoup"


def _point_neighbourhood(doc: Doc) -> None:
    doc["features"][0]["geometry"] = {"type": "Point", "coordinates": [3.88, 43.61]}


def _lambert(doc: Doc) -> None:
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}


@pytest.mark.parametrize(("layer", "edit", "expected"), [
    ("neighbourhoods", _level, "feature 1 has no level"),
    ("neighbourhoods", _population, "population must be a number of people >= 0"),
    ("neighbourhoods", _share, "benefit_dependent_share must be a share from 0 to 1"),
    ("neighbourhoods", _income, "median_income_uc_eur must be euros"),
    ("neighbourhoods", _point_neighbourhood, "a Point where a Polygon is expected"),
    ("neighbourhoods", _lambert, "not WGS84"),
    ("neighbourhoods", _no_feature, "the layer holds no neighbourhood"),
    ("outline", _no_feature, "the outline holds no polygon"),
])
def test_what_the_checker_refuses_the_schema_refuses(
        tmp_path: Path, layer: str, edit: Callable[[Doc], None], expected: str) -> None:
    folder = copy_territory(tmp_path / "t")
    doc = copy.deepcopy(bundled(layer))
    edit(doc)
    (folder / f"{layer}.geojson").write_text(json.dumps(doc), encoding="utf-8")
    report = check_territory(folder)
    assert any(expected in str(p) for p in report.problems), report.problems
    assert errors(layer, doc)


def test_a_level_is_any_non_empty_text() -> None:
    """Levels are the territory's own: the schema only asks for a non-empty text."""
    doc = copy.deepcopy(bundled("neighbourhoods"))
    doc["features"][0]["properties"]["level"] = "arrondissement"
    assert errors("neighbourhoods", doc) == []
