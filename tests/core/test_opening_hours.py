"""OSM opening hours through the full parser: every value of the bundled OSM data, the week
it gives, its French, and hours the parser refuses (kept, to be checked)."""

from __future__ import annotations

import bz2
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.opening_hours import parse_opening_hours, read_opening_hours
from geo_caisse.core.places import Moment, status

ROOT = Path(__file__).resolve().parents[2]
MONTPELLIER = ROOT / "data" / "montpellier"
#: OSM extracts (ODbL) of the two other test territories (tests/data/territories)
EXTRACTS = sorted((ROOT / "tests" / "data" / "territories").glob("*/osm/*.osm.bz2"))

#: the values of the bundled OSM data that are not OSM syntax (French day names, "7h"):
#: each is refused with a reason, its place kept with hours to be checked
NOT_OSM = {"Ma-Sa 09:30-19:00": "from character 1", "7h-20h": "from character 1"}


def _geojson_values(path: Path) -> dict[str, str]:
    doc = json.loads(path.read_bytes())
    return {str(f["properties"]["opening_hours"]): path.name for f in doc["features"]
            if (f.get("properties") or {}).get("opening_hours")}


def _osm_values(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    with bz2.open(path) as fh:
        for _, element in ET.iterparse(fh):
            if element.tag == "tag" and element.get("k") == "opening_hours":
                found.setdefault(element.get("v") or "", path.name)
            element.clear()
    return found


def _every_value() -> dict[str, dict[str, str]]:
    """Every opening_hours value of the bundled OSM data, by file."""
    files = [*sorted((MONTPELLIER / "sources").rglob("*.geojson")),
             MONTPELLIER / "points_of_sale.geojson", MONTPELLIER / "markets.geojson"]
    by_file = {path.name: _geojson_values(path) for path in files}
    by_file.update({path.name: _osm_values(path) for path in EXTRACTS})
    return by_file


def test_every_bundled_osm_value_parses_or_says_why() -> None:
    by_file = _every_value()
    # the files holding hours: Montpellier's OSM shops, the bundled layers, the Villeurbanne
    # and Bondy extracts (a file read wrong would silently test less)
    for name in ("montpellier_commerces_osm_2014.geojson", "points_of_sale.geojson",
                 "markets.geojson", "villeurbanne_maisons_neuves_2024-04-03.osm.bz2",
                 "bondy_nord_map.osm.bz2"):
        assert by_file[name], name
    values = {v: name for name, found in by_file.items() for v in found}
    assert len(values) >= 60
    refused: dict[str, str] = {}
    for value in values:
        hours = read_opening_hours(value)
        assert hours is not None
        if hours.problem is not None:
            refused[value] = hours.problem
            assert value in hours.problem and "not understood" in hours.problem
            assert hours.describe_fr() == f"{value.strip()} (à vérifier)"
        else:
            assert hours.describe_fr()  # French, or the value as written
    unexpected = {v: f"{values[v]}: {why}" for v, why in refused.items() if v not in NOT_OSM}
    assert not unexpected, "values the parser refused:\n" + "\n".join(
        f"{v!r} ({why})" for v, why in unexpected.items())
    for value, where in NOT_OSM.items():
        assert where in refused[value]


def test_villeurbanne_and_bondy_values_all_parse() -> None:
    """The other cities' real shops: the old subset parser refused 5 of them."""
    for path in EXTRACTS:
        values = _osm_values(path)
        assert values, path.name
        refused = {v: h.problem for v in values
                   if (h := read_opening_hours(v)) is not None and h.problem}
        assert not refused, f"{path.name}: {refused}"


@pytest.mark.parametrize(
    ("text", "french"),
    [
        ("Mo-Fr 08:00-20:00, Sa 09:00-13:00",
         "du lundi au vendredi : 8 h – 20 h ; samedi : 9 h – 13 h"),
        ("Mo-Sa 09:00-12:00,14:00-19:00; PH off",
         "du lundi au samedi : 9 h – 12 h, 14 h – 19 h"),
        ("Tu,Sa 07:30-13:30", "mardi et samedi : 7 h 30 – 13 h 30"),
        ("Fr 18:00-02:00", "vendredi : 18 h – 2 h"),
        ("24/7", "tous les jours : toute la journée"),
        ("Mo-Su 07:00-13:00; We off", "lundi, mardi et du jeudi au dimanche : 7 h – 13 h"),
        ("Mo-Fr 08:00-12:00; Jul-Aug off", "Mo-Fr 08:00-12:00; Jul-Aug off"),
        ('Mo-Fr 09:00-12:00 "sur rendez-vous"', 'Mo-Fr 09:00-12:00 "sur rendez-vous"'),
        ("sunrise-sunset", "sunrise-sunset"),
    ],
)
def test_french_or_the_value_as_written(text: str, french: str) -> None:
    hours = parse_opening_hours(text, week_of=date(2026, 3, 4))
    assert hours.describe_fr() == french
    if hours.regular:
        assert "Mo" not in french and "off" not in french


def test_week_of_a_seasonal_value() -> None:
    text = "Jan-Mar,Oct-Dec 08:00-19:00; Apr-Sep 08:00-22:00"
    winter = parse_opening_hours(text, week_of=date(2026, 1, 14))
    summer = parse_opening_hours(text, week_of=date(2026, 7, 15))
    assert not winter.regular and not summer.regular
    assert winter.intervals_at("We") == ((480, 1140),)
    assert summer.intervals_at("We") == ((480, 1320),)


def test_overnight_and_next_opening() -> None:
    hours = parse_opening_hours("Su 22:00-02:00")
    assert hours.days == {"Su": ((1320, 1560),)}
    assert hours.open_at("Mo", 60) == (0, 120)
    assert hours.next_opening("Mo", 180) == ("Su", 1320)


@pytest.mark.parametrize(
    ("text", "message"),
    [("Lundi 8h-12h", r"from character 1 \('Lundi 8h-12h'\)"),
     ("Mo 8-12", r"from character 4 \('8-12'\)"),
     ("Mo 25:00-26:00", "from character 4"),
     ("Mo 09:00-12:00,", "it stops too early"),
     ("", "non-empty")],
)
def test_refused_hours_say_where(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_opening_hours(text)


def test_refused_hours_are_to_be_checked_never_open_or_closed() -> None:
    hours = read_opening_hours("Lu-Ve 8h-12h")
    assert hours is not None and not hours.understood
    assert hours.open_weekdays() == [] and hours.source == "Lu-Ve 8h-12h"
    assert hours.describe_fr() == "Lu-Ve 8h-12h (à vérifier)"
    assert status(hours, Moment("Mo", 600, now=True)).state == "to_check"
    assert read_opening_hours(None) is None and read_opening_hours("  ") is None
