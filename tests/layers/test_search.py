"""The offline address search: normalisation, numbers, streets, places, bad queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_caisse import ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.layers.search import AddressIndex, load_address_index, normalise


def small_index() -> AddressIndex:
    streets = ["Rue de la Loge"] * 3 + ["Rue de la Petite Loge", "Boulevard du Jeu de Paume",
                                        "Avenue de Toulouse", "Avenue de Toulouse"]
    return AddressIndex(street=streets, number=[2, 12, 12, 12, 5, 100, 102],
                        suffix=[None, None, "bis", None, None, None, None],
                        lon=[3.1, 3.2, 3.21, 3.3, 3.4, 3.5, 3.51],
                        lat=[43.1, 43.2, 43.21, 43.3, 43.4, 43.5, 43.51],
                        places=[("Marché des Arceaux", "market", 3.6, 43.6),
                                ("Les Arceaux", "sous_quartier", 3.61, 43.61)])


def test_normalise() -> None:
    assert normalise("12, Bd  du Jeu-de-Paume") == "12 boulevard du jeu de paume"
    assert normalise("Av. Saint-Éloi") == "avenue saint eloi"
    assert normalise("Marché des Arceaux") == "marche des arceaux"


def test_search_addresses_streets_and_places() -> None:
    idx = small_index()
    first = idx.search("12 rue de la loge")[0]
    assert (first.kind, first.label, first.lon) == ("address", "12 Rue de la Loge", 3.2)
    assert idx.search("12 bis rue de la loge")[0].lon == 3.21
    assert idx.search("12 r de la loge")[0].label == "12 Rue de la Loge"   # abbreviation
    near = idx.search("101 avenue de toulouse")[0]            # no 101: the nearest number
    assert near.kind == "address" and near.label in ("100 Avenue de Toulouse",
                                                     "102 Avenue de Toulouse")
    assert idx.search("avenue de toulouse 102")[0].lon == 3.51  # number at the end
    street = idx.search("bd jeu de paume")[0]
    assert (street.kind, street.label) == ("street", "Boulevard du Jeu de Paume")
    kinds = {(f.kind, f.detail) for f in idx.search("arceaux")}
    assert kinds == {("place", "market"), ("place", "sous_quartier")}
    assert idx.search("marche arceaux")[0].label == "Marché des Arceaux"
    assert idx.search("zzz qqq") == []


def test_bad_queries_are_named() -> None:
    idx = small_index()
    with pytest.raises(ValidationError, match="at least 2"):
        idx.search("  !")
    with pytest.raises(ValidationError, match="at most 120"):
        idx.search("a" * 121)
    with pytest.raises(ValidationError, match="n must be"):
        idx.search("loge", n=0)
    with pytest.raises(ValidationError, match="text"):
        idx.search(12)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def montpellier(territory: Territory, tmp_path_factory: pytest.TempPathFactory) -> AddressIndex:
    return load_address_index(territory, cache_dir=tmp_path_factory.mktemp("search"))


@pytest.mark.parametrize(("query", "label", "detail"), [
    ("gare saint roch", "Gare Saint-Roch", "stop"),          # a station (tram stop)
    ("la paillade", "La Paillade (Mosson)", "sous_quartier"),  # a common name
    ("Écusson", "L'Écusson (Centre Historique)", "sous_quartier"),
    ("bd des arceaux", "Boulevard des Arceaux", ""),          # abbreviations
    ("place de la comedie", "Place de la Comédie", ""),       # accents
])
def test_finds_stations_common_names_and_streets(montpellier: AddressIndex, query: str, label: str,
                                                 detail: str) -> None:
    first = montpellier.search(query, n=3)[0]
    assert (first.label, first.detail) == (label, detail)


def test_finds_amenities_by_their_french_name_and_nothing_for_nonsense(
        montpellier: AddressIndex) -> None:
    posts = montpellier.search("bureau de poste", n=5)
    assert posts and all(f.label.startswith("Bureau de poste") for f in posts)
    assert any(", " in f.label for f in posts)  # with the street it stands in
    assert montpellier.search("zzzqx wqqv", n=5) == []


def test_the_index_is_cached_on_disk(territory: Territory, tmp_path: Path) -> None:
    first = load_address_index(territory, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("search-*.json"))) == 1
    again = load_address_index(territory, cache_dir=tmp_path)
    assert again.n_addresses == first.n_addresses == 36_395
    assert again.search("gare saint roch")[0] == first.search("gare saint roch")[0]
