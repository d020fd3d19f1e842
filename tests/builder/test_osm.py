"""Reading an OSM extract and the French open-data tables the territory builder takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_caisse.builder.osm import food_shop, read_osm, split_house_number
from geo_caisse.builder.sources import (
    fix_mojibake,
    number,
    read_ban,
    read_income,
    read_populations,
    read_shop_list,
)
from geo_caisse.core.errors import DataError
from tests.utils.stores import DATA_DIR

RAW = DATA_DIR / "territories"
VILLEURBANNE_OSM = RAW / "villeurbanne/osm/villeurbanne_maisons_neuves_2024-04-03.osm.bz2"
BONDY = RAW / "bondy"


@pytest.mark.parametrize(("raw", "parts"), [
    ("12", [(12, "")]), ("12 bis", [(12, "bis")]), ("1 Bis", [(1, "bis")]),
    ("17 ter", [(17, "ter")]), ("3t", [(3, "ter")]), ("18b", [(18, "bis")]),
    ("26B", [(26, "B")]), ("26A", [(26, "A")]), ("12;14", [(12, ""), (14, "")]),
    ("S/N", []), ("", []), ("quai", []),
])
def test_house_numbers_are_split_from_their_suffix(raw: str, parts: list[tuple[int, str]]
                                                   ) -> None:
    assert split_house_number(raw) == parts


def test_food_shops_exclude_what_the_mona_may_not_buy() -> None:
    assert food_shop({"shop": "bakery"}) == ("shop", ("bakery",), "bakery")
    assert food_shop({"shop": "convenience", "organic": "only"}) == (
        "epicerie", ("convenience", "organic"), "convenience")
    for not_food in ("alcohol", "wine", "chemist", "hairdresser", "convenience;gas", ""):
        assert food_shop({"shop": not_food}) is None, not_food


def test_the_villeurbanne_extract_gives_its_shops_and_addresses() -> None:
    osm = read_osm(VILLEURBANNE_OSM)
    assert osm.bounds == pytest.approx((4.8751898, 45.7557297, 4.8844299, 45.7599792))
    # the PROVENANCE counts: 10 food shops, 317 house numbers
    names = sorted(s.tags.get("name", "") for s in osm.shops)
    assert len(names) == 10 and "Boucherie des Maisons Neuves" in names and "Franprix" in names
    assert len(osm.addresses) == 317 and osm.unusable_addresses == []
    # most carry their street only in an associatedStreet relation
    assert osm.via_associated_street == 299
    assert {a.street for a in osm.addresses} >= {"Rue Paul Bert", "Place des Maisons Neuves"}
    bis = [a for a in osm.addresses if a.suffix == "bis"]
    assert bis and all(isinstance(a.number, int) for a in bis)
    assert not any(a.street == "" for a in osm.addresses)
    assert any(name == "Rue Jean Jaurès" for name, _, _ in osm.streets)
    assert not any(kind == "platform" for _, kind, _ in osm.streets)  # Florian, a tram stop


def test_a_pbf_extract_reads_as_its_xml(tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "villeurbanne.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(VILLEURBANNE_OSM)):
            writer.add(obj)
    xml, binary = read_osm(VILLEURBANNE_OSM), read_osm(pbf)
    assert [(s.osm_id, s.tags["shop"]) for s in binary.shops] == [
        (s.osm_id, s.tags["shop"]) for s in xml.shops]
    assert sorted((a.street, a.number, a.suffix) for a in binary.addresses) == sorted(
        (a.street, a.number, a.suffix) for a in xml.addresses)


def test_a_file_that_is_no_osm_extract_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_osm(tmp_path / "absent.osm")
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(DataError, match=r"broken\.osm"):
        read_osm(bad)
    csv = tmp_path / "shops.csv"
    csv.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="not an OSM extract"):
        read_osm(csv)


def test_insee_tables_are_read_as_published() -> None:
    pop = read_populations(RAW / "villeurbanne/socio/insee_population_municipale_2013_2021.csv")
    assert pop.column == "p21_pop" and pop.year == 2021
    assert pop.values["69266"] == 156_928
    # Lyon's arrondissements summed into the commune IGN draws
    assert pop.values["69123"] == sum(v for c, v in pop.values.items() if c.startswith("6938"))
    income = read_income(BONDY / "socio/filosofi_2019_iris_bondy_disp_med.csv")
    assert income.column == "DISP_MED19" and income.values["930100101"] == 15_260
    assert "930100108" not in income.values  # under INSEE's secret: unknown, never 0
    assert number("15 260,5") == 15260.5 and number("s") is None and number("NA") is None
    assert fix_mojibake("MÃ©tropole du Grand Paris") == "Métropole du Grand Paris"
    assert fix_mojibake("Étang") == "Étang"


def test_the_ban_and_a_communes_shop_list() -> None:
    ban = read_ban(BONDY / "addresses/ban_bondy.csv.gz")
    assert len(ban) == 8_413
    assert {a.suffix for a in ban} >= {"", "bis"}
    shops, left = read_shop_list(BONDY / "socio/bondy_commerces_geocoded.csv")
    # food only: general food stores, bakeries, butchers, supermarkets, the greengrocer
    assert {s.shop for s in shops} == {"convenience", "bakery", "butcher", "supermarket",
                                       "greengrocer"}
    assert len(shops) + len(left) == 24 + 24 + 11 + 10 + 1
    assert all("commune" in reason or "coordinates" in reason for reason in left)


def test_a_table_without_the_expected_columns_names_them(tmp_path: Path) -> None:
    bad = tmp_path / "pop.csv"
    bad.write_text("code;habitants\n93010;52905\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"no population column.*code, habitants"):
        read_populations(bad)
    assert read_populations(bad, "habitants").values == {"93010": 52905}
    with pytest.raises(DataError, match="no column 'pop'"):
        read_populations(bad, "pop")


def test_the_metric_crs_and_time_zone_follow_the_place() -> None:
    from geo_caisse.builder.build import _place

    assert _place((55.44, -21.0, 55.5, -20.9)) == ("EPSG:2975", "Indian/Reunion")  # St-Denis
    assert _place((-61.1, 14.55, -61.0, 14.65)) == ("EPSG:5490", "America/Martinique")
    assert _place((-52.4, 4.9, -52.3, 5.0)) == ("EPSG:2972", "America/Cayenne")
    assert _place((4.875, 45.755, 4.884, 45.760)) == ("EPSG:2154", "Europe/Paris")
