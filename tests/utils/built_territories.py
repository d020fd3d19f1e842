"""The two other real territories of the tests, built as docs/territory.md tells a caisse's
data volunteer (``geo-caisse territory build``) from the raw open data copied in
``tests/data/territories`` (see its ``copy_from_shared.py`` and each ``PROVENANCE.md``)."""

from __future__ import annotations

from pathlib import Path

from tests.utils.stores import DATA_DIR

RAW = DATA_DIR / "territories"
_V, _B = RAW / "villeurbanne", RAW / "bondy"
#: the command lines of docs/territory.md ("Build a folder"), one per territory
COMMANDS: dict[str, list[str]] = {
    "villeurbanne": [
        "--osm", str(_V / "osm/villeurbanne_maisons_neuves_2024-04-03.osm.bz2"),
        "--code", "villeurbanne", "--name", "Villeurbanne – Maisons-Neuves",
        "--communes", str(_V / "boundaries/communes_villeurbanne_lyon.geojson"),
        "--population", str(_V / "socio/insee_population_municipale_2013_2021.csv")],
    "bondy": [
        "--osm", str(_B / "osm/bondy_nord_map.osm.bz2"), "--code", "bondy", "--name", "Bondy",
        "--iris", str(_B / "boundaries/georef-france-iris-bondy-2020.zip"),
        "--population", str(_B / "socio/insee_population_municipale_bondy_2013_2021.csv"),
        "--income", str(_B / "socio/filosofi_2019_iris_bondy_disp_med.csv"),
        "--addresses", str(_B / "addresses/ban_bondy.csv.gz"),
        "--shops", str(_B / "socio/bondy_commerces_geocoded.csv")],
}
#: words of the bundled territory that no page of another territory may show
MONTPELLIER_WORDS = ("Montpellier", "Comédie", "34172", "Mosson", "Arceaux", "Antigone")


def build_all(root: Path) -> dict[str, Path]:
    """Build both territories under ``root`` with the CLI; their folders."""
    from geo_caisse.cli import main

    out = {}
    for place, args in COMMANDS.items():
        code = main(["territory", "build", str(root / place), *args])
        assert code == 0, f"geo-caisse territory build {place} exited {code}"
        out[place] = root / place
    return out
