"""A territory with levels of its own (commune, secteur, iris) on both backends: it loads,
``/api/territory`` names its levels in French coarse to fine, the neighbourhoods and the food
deserts are served at its levels, and a level it does not have is a 422 naming them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import init_store
from tests.utils.stores import TOKEN, Store
from tests.utils.territories import other_levels

LEVELS = "its levels are commune, secteur, iris"


def test_a_territory_brings_its_own_levels(store: Store, cache_dir: Path,
                                           tmp_path: Path) -> None:
    folder = other_levels(tmp_path / "levels")
    summary = init_store(store.engine, store.sessions, Territory.from_dir(folder),
                         progress=quiet)
    assert summary.neighbourhoods == 69
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
                        ApiSettings(coordinator_token=TOKEN))
    with TestClient(create_app(settings)) as c:
        info = c.get("/api/territory").json()
        assert info["levels"] == [{"code": "commune", "one": "commune", "many": "communes"},
                                  {"code": "secteur", "one": "secteur", "many": "secteurs"},
                                  {"code": "iris", "one": "IRIS", "many": "IRIS"}]
        fc = c.get("/api/neighbourhoods", params={"level": "secteur"}).json()
        assert fc["numberMatched"] == 7
        assert {f["properties"]["level"] for f in fc["features"]} == {"secteur"}
        for path in ("/api/neighbourhoods", "/api/deserts/areas"):
            for bad in ("quartier", "Secteur", "x" * 41, ""):
                r = c.get(path, params={"level": bad})
                assert r.status_code == 422, (path, bad, r.text)
                if len(bad) < 41 and bad:
                    assert LEVELS in r.json()["detail"], r.text
        areas = c.get("/api/deserts/areas", params={"level": "secteur"})
        assert areas.status_code == 200, areas.text
        features = areas.json()["features"]
        assert len(features) == 7 and all(f["properties"]["level"] == "secteur"
                                          for f in features)
        finest = c.get("/api/deserts/areas").json()  # the finest level by default
        assert len(finest["features"]) == 31
        assert {f["properties"]["level"] for f in finest["features"]} == {"iris"}
        assert finest["metadata"]["low_income"]["level"] == "iris"
        # the OpenAPI document lists the levels of the territory served, not a fixed enum
        spec = c.get("/openapi.json").json()
        for path in ("/api/neighbourhoods", "/api/deserts/areas"):
            params = spec["paths"][path]["get"]["parameters"]
            level = next(p for p in params if p["name"] == "level")
            assert level["schema"]["enum"] == ["commune", "secteur", "iris"]
