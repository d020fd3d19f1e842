"""CRS discipline, opening hours, territory checks, the error tree and the public surface."""

from __future__ import annotations

import subprocess
import sys

import pytest

import geo_caisse
from geo_caisse import (
    CRSError,
    GeoCaisseError,
    OutOfTerritoryError,
    ValidationError,
)
from geo_caisse.core.crs import check_metric, lonlat_to_metric, parse_crs
from geo_caisse.core.opening_hours import parse_opening_hours
from geo_caisse.core.territory import Territory


def test_public_surface_is_sorted_and_importable() -> None:
    assert list(geo_caisse.__all__) == sorted(geo_caisse.__all__)
    for name in geo_caisse.__all__:
        assert getattr(geo_caisse, name) is not None


def _imported_after(modules: str, code: str = "") -> set[str]:
    """The heavy or upper-layer packages present after importing ``modules`` afresh."""
    probe = (f"import sys, importlib, pkgutil, geo_caisse\n{code}\nimport {modules}\n"
             "print(','.join(m for m in ('fastapi', 'starlette', 'folium', 'osmnx', "
             "'matplotlib', 'uvicorn', 'api', 'maps') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(filter(None, out.stdout.strip().split(",")))


def test_the_library_never_imports_the_web_app_or_the_pages() -> None:
    every = ("for m in pkgutil.walk_packages(geo_caisse.__path__, 'geo_caisse.'):\n"
             "    if '.migrations' not in m.name and not m.name.endswith('__main__'):\n"
             "        importlib.import_module(m.name)")
    assert _imported_after("geo_caisse", every) & {"fastapi", "starlette", "folium", "uvicorn",
                                                   "api", "maps"} == set()


def test_the_command_line_and_the_use_cases_import_no_heavy_stack() -> None:
    modules = ("geo_caisse.cli, geo_caisse.layers.loading, geo_caisse.mona.payments, "
               "geo_caisse.enrolment.held, geo_caisse.io.validation")
    assert _imported_after(modules) == set()


def test_errors_inherit_builtins() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(CRSError, ValidationError)
    assert issubclass(OutOfTerritoryError, GeoCaisseError)


def test_unknown_crs_raises() -> None:
    with pytest.raises(CRSError, match="unknown CRS 'EPSG:999999'"):
        parse_crs("EPSG:999999")
    with pytest.raises(CRSError, match="no CRS given"):
        parse_crs(None)


def test_planar_maths_on_lonlat_raises() -> None:
    with pytest.raises(CRSError, match="projected CRS"):
        check_metric("EPSG:4326")
    with pytest.raises(CRSError, match="projected CRS"):
        lonlat_to_metric([3.87], [43.61], metric_crs="EPSG:4326")


def test_lambert93_projection_of_montpellier_comedie() -> None:
    x, y = lonlat_to_metric([3.8797], [43.6085])
    # Place de la Comédie is about (771 100, 6 279 000) in Lambert-93
    assert 770_000 < x[0] < 772_500
    assert 6_278_000 < y[0] < 6_280_000


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Tu,Sa 07:30-13:30", ["Tu", "Sa"]),
        ("Mo-Fr 08:00-12:00,14:00-19:00; Sa 08:00-12:00", ["Mo", "Tu", "We", "Th", "Fr", "Sa"]),
        ("Mo-Su 07:00-13:00; We off", ["Mo", "Tu", "Th", "Fr", "Sa", "Su"]),
        ("Sa-Mo 09:00-12:00", ["Mo", "Sa", "Su"]),
        ("24/7", ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]),
        ("Fr 18:00-02:00; PH off", ["Fr"]),
    ],
)
def test_opening_hours(text: str, days: list[str]) -> None:
    assert parse_opening_hours(text).open_weekdays() == days


@pytest.mark.parametrize(
    ("text", "message"),
    [("Lundi 8h-12h", r"not understood from character 1 \('Lundi"),
     ("Mo 8-12", r"not understood from character 4 \('8-12'\)"),
     ("Mo 25:00-26:00", "not understood from character 4"), ("", "non-empty")],
)
def test_bad_opening_hours(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_opening_hours(text)


def test_territory_contains_and_swapped_hint(territory: Territory) -> None:
    assert territory.contains([3.8797], [43.6085]).tolist() == [True]
    assert territory.contains([2.35], [48.85]).tolist() == [False]  # Paris
    with pytest.raises(OutOfTerritoryError, match="look swapped"):
        territory.check_inside(43.6085, 3.8797)
    with pytest.raises(ValidationError, match="not a finite number"):
        territory.check_inside(float("nan"), 43.6)
