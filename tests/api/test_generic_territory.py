"""Any caisse brings its own territory: served for another city, no page, page script,
territory answer nor API description names Montpellier (its streets, places, codes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from geo_caisse.core.settings import (
    BUNDLED_TERRITORY_DIR,
    ApiSettings,
    DatabaseSettings,
    Settings,
    TerritorySettings,
)
from tests.utils.routes import api_routes
from tests.utils.stores import Store
from tests.utils.territories import copy

#: what only the bundled Montpellier territory may show (its name, code, places, streets)
MONTPELLIER = re.compile(
    r"Montpellier|34172|Hérault|Herault|Comédie|Paillade|Mosson|Arceaux|Boutonnet|Antigone|"
    r"Écusson|Celleneuve|Saint-Roch|\bLoge\b|Centre-ville|Méditerranée Métropole",
    re.IGNORECASE)


def _elsewhere(folder: Path) -> Path:
    """A copy of the bundled territory renamed as another city's: its name, code, caisse,
    attribution, neighbourhood names and codes, centre (no walking network: the pages do
    not depend on it) and no search example, so that the page's own default is shown."""
    copy(folder, drop=("network", "population"),
         caisse={"name": "Caisse Alimentaire Commune de Valbourg", "centre": ["99999-Q7"]},
         basemap={"centre": [3.88, 43.61]}, search={"aliases": "aliases.csv"})
    (folder / "aliases.csv").write_text((BUNDLED_TERRITORY_DIR / "aliases.csv").read_text(
        "utf-8").replace("34172", "99999"), "utf-8")
    toml = folder / "territory.toml"
    lines: list[str] = []
    for line in toml.read_text("utf-8").splitlines():
        top = not any(ln.startswith("[") for ln in lines)   # before the first section
        if top and line.startswith("code = "):
            line = 'code = "valbourg"'
        elif top and line.startswith("name = "):
            line = 'name = "Métropole de Valbourg"'
        elif line.startswith("attribution = "):
            line = 'attribution = "© OpenStreetMap contributors (ODbL) · Source : Insee"'
        elif line.startswith(("example = ", "centre_label = ")):
            continue    # the pages' own defaults are shown
        lines.append(line)
    toml.write_text("\n".join(lines) + "\n", "utf-8")
    hoods = folder / "neighbourhoods.geojson"
    doc = json.loads(hoods.read_text("utf-8"))
    for i, f in enumerate(doc["features"]):
        props = f["properties"]
        props["name"] = f"Quartier {i}"
        for key, value in props.items():
            if key != "name" and isinstance(value, str):
                props[key] = value.replace("34172", "99999")
    hoods.write_text(json.dumps(doc), "utf-8")
    strata = folder / "strata.csv"
    strata.write_text(strata.read_text("utf-8").replace("34172", "99999")
                      .replace("Montpellier", "Valbourg").replace("montpellier", "valbourg"),
                      "utf-8")
    return folder


def test_another_territory_shows_no_montpellier_name(store: Store, cache_dir: Path,
                                                     tmp_path: Path) -> None:
    folder = _elsewhere(tmp_path / "valbourg")
    # the copy is renamed (but for the paths to the bundled sources it reads)
    text = "\n".join(ln for ln in (folder / "territory.toml").read_text("utf-8").splitlines()
                     if "/" not in ln) + (folder / "strata.csv").read_text("utf-8") + json.dumps(
        [f["properties"] for f in json.loads(
            (folder / "neighbourhoods.geojson").read_text("utf-8"))["features"]])
    assert not MONTPELLIER.search(text), MONTPELLIER.search(text)
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
                        ApiSettings())
    app = create_app(settings)
    with TestClient(app) as c:
        pages = sorted({r.path for r in api_routes(app)
                        if "GET" in r.methods and "{" not in r.path
                        and "text/html" in str(getattr(r.route.response_class, "media_type",
                                                       ""))})
        assert {"/", "/coordination", "/coordination/mona", "/producteur"} <= set(pages)
        pages += ["/?lang=en", "/moi?lang=en", "/bienvenue?lang=en", "/tirage/999999",
                  "/docs", "/redoc"]
        scripts: set[str] = set()
        for url in pages:
            r = c.get(url)
            assert r.status_code in (200, 404), (url, r.status_code)
            assert "text/html" in r.headers["content-type"], url
            hit = MONTPELLIER.search(r.text)
            assert hit is None, (url, r.text[max(0, hit.start() - 80):hit.end() + 80])
            scripts |= set(re.findall(r'src="(/static/(?!vendor/)[^"]+\.js)"', r.text))
        assert {"/static/mona_map.js", "/static/member_map.js"} <= scripts
        for url in sorted(scripts):
            r = c.get(url)
            assert r.status_code == 200, url
            hit = MONTPELLIER.search(r.text)
            assert hit is None, (url, r.text[max(0, hit.start() - 80):hit.end() + 80])
        info = c.get("/api/territory")
        assert info.status_code == 200
        assert info.json()["name"] == "Métropole de Valbourg"
        for url in ("/api/territory", "/openapi.json"):
            body = c.get(url).text
            hit = MONTPELLIER.search(body)
            assert hit is None, (url, body[max(0, hit.start() - 80):hit.end() + 80])
        # the territory's own names are shown instead
        assert "Métropole de Valbourg" in c.get("/").text
        assert '"centre_label": "Centre"' in c.get("/coordination/mona").text
        assert "une adresse, une rue, un marché" in c.get("/").text


def test_the_centre_is_named_by_the_territory(tmp_path: Path) -> None:
    from geo_caisse.core.errors import DataError
    from geo_caisse.core.territory import Territory
    from tests.utils.territories import variant

    assert Territory.from_dir(BUNDLED_TERRITORY_DIR).caisse.centre_label == "Centre-ville"
    folder = _elsewhere(tmp_path / "valbourg")
    assert Territory.from_dir(folder).caisse.centre_label == "Centre"       # the default
    for bad in ("", "   ", 3, "x" * 61):
        with pytest.raises(DataError, match=r"\[caisse\] centre_label must be text of 1 to 60"):
            Territory.from_dir(variant(tmp_path / f"bad{len(str(bad))}",
                                       caisse={"centre_label": bad}))
