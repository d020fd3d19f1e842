"""Walking access over HTTP on both backends, with the real Montpellier network."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from geo_caisse.core.crs import WGS84, transformer
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.walk.service import WalkingService
from tests.utils.stores import AUTH, Store

COMEDIE = {"lon": 3.8797, "lat": 43.6086}
LATTES = {"lon": 3.9040, "lat": 43.5680}


def test_walk_nearest_on_the_network(client: TestClient) -> None:
    r = client.get("/api/walk/nearest", params={**COMEDIE, "n": 5, "route": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "network" and body["snap_m"] < 250
    walks = [w["walk_min"] for w in body["walk"]]
    assert len(walks) == 5 and walks == sorted(walks)
    for f, w in zip(body["features"], body["walk"], strict=True):
        assert f["properties"]["status"] == "conventionne" and f["properties"]["accepts_mona"]
        # a walk is never shorter than the straight line
        x, y = transformer(WGS84, "EPSG:2154").transform(COMEDIE["lon"], COMEDIE["lat"])
        fx, fy = transformer(WGS84, "EPSG:2154").transform(*f["geometry"]["coordinates"])
        assert w["walk_m"] >= np.hypot(fx - x, fy - y) - 1.0
        assert w["walk_min"] == pytest.approx(w["walk_m"] / 75.0, abs=0.06)
    route = body["route"]["coordinates"]
    assert route[0] == [COMEDIE["lon"], COMEDIE["lat"]]
    assert route[-1] == body["features"][0]["geometry"]["coordinates"]


def test_walk_nearest_open_on_a_day(client: TestClient) -> None:
    r = client.get("/api/walk/nearest", params={**COMEDIE, "n": 10, "open_on": "Su"})
    assert r.status_code == 200
    assert r.json()["features"]
    for f in r.json()["features"]:  # hours not given never count as open
        days = f["properties"]["open_weekdays"]
        assert days is not None and "Su" in days


def test_walk_nearest_outside_the_network_is_an_estimate(client: TestClient) -> None:
    r = client.get("/api/walk/nearest", params={**LATTES, "n": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["method"] == "straight_line_estimate" and body["detour_factor"] == 1.3


@pytest.mark.parametrize(("params", "status", "match"), [
    ({"lon": 43.61, "lat": 3.87}, 422, "swapped"),
    ({"lon": 2.35, "lat": 48.85}, 422, "outside the territory"),
    ({"lon": "abc", "lat": 43.6}, 422, "lon"),
    ({**COMEDIE, "open_on": "Xx"}, 422, "open_on: Input should be 'Mo'"),
    ({**COMEDIE, "n": 50}, 422, "n"),
])
def test_walk_nearest_bad_input(client: TestClient, params: dict[str, object], status: int,
                                match: str) -> None:
    r = client.get("/api/walk/nearest", params=params)
    assert r.status_code == status
    assert match in r.text


def test_desert_layers(client: TestClient) -> None:
    cells = client.get("/api/deserts/cells")
    assert cells.status_code == 200
    assert cells.headers["content-type"].startswith("application/geo+json")
    fc = cells.json()
    meta = fc["metadata"]
    assert meta["threshold_min"] == 10 and "median income" in meta["low_income_rule"]
    props = [f["properties"] for f in fc["features"]]
    assert sum(p["population"] for p in props) == pytest.approx(
        meta["totals"]["population_points"], rel=1e-3)
    assert sum(p["desert_population"] for p in props) == pytest.approx(
        meta["totals"]["desert_population"], rel=1e-3)
    assert all(p["desert_population"] <= p["low_access_population"] + 0.1 for p in props)
    areas = client.get("/api/deserts/areas", params={"level": "commune"}).json()
    by_code = {f["id"]: f["properties"] for f in areas["features"]}
    assert by_code["34172"]["covered"] and by_code["34172"]["median_walk_min"] is not None
    lattes = next(p for p in by_code.values() if p["name"] == "Lattes")
    assert not lattes["covered"] and lattes["median_walk_min"] is None
    assert lattes["population_outside_network"] == lattes["population"] > 0
    assert all(f["geometry"] for f in areas["features"])
    wider = client.get("/api/deserts/summary", params={"threshold_min": 20}).json()
    assert wider["totals"]["low_access_population"] < meta["totals"]["low_access_population"]
    bad = client.get("/api/deserts/areas", params={"level": "planet"})
    assert bad.status_code == 422


def test_what_if_add_and_remove(client: TestClient) -> None:
    ranked = client.get("/api/whatif/candidates", params={"top": 3}).json()
    assert len(ranked) == 3 and ranked[0]["rank"] == 1
    best = ranked[0]
    lon, lat = best["feature"]["geometry"]["coordinates"]
    r = client.post("/api/whatif", json={"add_lon": lon, "add_lat": lat})
    assert r.status_code == 200, r.text
    change = r.json()
    assert change["low_income_out_of_desert"] == pytest.approx(
        best["low_income_within_reach"], abs=0.2)
    assert change["people_into_low_access"] == 0
    conv = client.get("/api/points-of-sale", params={"status": "conventionne",
                                                     "limit": 1000}).json()["features"]
    one = next(f for f in conv if f["properties"]["accepts_mona"])
    removed = client.post("/api/whatif", json={"remove_id": one["id"]}).json()
    assert removed["people_out_of_low_access"] == 0 and removed["people_closer"] == 0
    for body, match in (({"add_lon": lon}, "go together"),
                        ({"add_lon": lon, "add_lat": lat, "remove_id": 1}, "either"),
                        ({"add_lon": 3.9040, "add_lat": 43.5680}, "coverage"),
                        ({"remove_id": 999999}, "not a conventionné")):
        bad = client.post("/api/whatif", json=body)
        assert bad.status_code in (404, 422), bad.text
        assert match in bad.text


def test_a_new_conventionne_changes_the_answers(client: TestClient) -> None:
    before = client.get("/api/deserts/summary").json()["totals"]
    best = client.get("/api/whatif/candidates", params={"top": 1}).json()[0]
    r = client.patch(f"/api/points-of-sale/{best['feature']['id']}/status",
                     json={"status": "conventionne", "accepts_mona": True}, headers=AUTH)
    assert r.status_code == 200, r.text
    after = client.get("/api/deserts/summary").json()["totals"]
    assert after["desert_population"] == pytest.approx(
        before["desert_population"] - best["low_income_within_reach"], abs=0.5)


def test_service_reads_the_cache(store: Store, cache_dir: Path, territory: object) -> None:
    from geo_caisse.core.territory import Territory

    assert isinstance(territory, Territory)
    service = WalkingService.load(territory, cache_dir=cache_dir)
    assert service.network.n_nodes == 23352
    assert service.population.total == pytest.approx(259345)
    report = service.deserts(store.sessions)
    assert report.totals["population_covered"] > 0.99 * 259345
    assert list(cache_dir.glob("walk-*.npz")) and list(cache_dir.glob("population-*.npz"))


def test_coordinator_page(client: TestClient) -> None:
    r = client.get("/coordination")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fr">' in html and "coordinator_map.js" in html
    assert "https://" not in html.split("<body>")[0].replace("https://www.gnu.org", "")
    # without a tile layer the map must carry maxZoom itself: without it Leaflet.markercluster
    # hung the member page in Chromium (seen in this project)
    for page in ("/", "/coordination"):
        assert '"maxZoom": 19' in client.get(page).text
    js = client.get("/static/coordinator_map.js")
    assert js.status_code == 200 and "/deserts/cells" in js.text


def test_printable_maps(client: TestClient) -> None:
    png = client.get("/api/print/deserts.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 50_000
    pdf = client.get("/api/print/conventionnes.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get("/api/print/markets.png").status_code == 200
    assert client.get("/api/print/members.png").status_code == 422
    assert client.get("/api/print/deserts.svg").status_code == 422


def test_walk_nearest_by_post_and_search_keep_places_out_of_urls(client: TestClient) -> None:
    """The member map sends the place in a body: same answer as GET, nothing cached."""
    got = client.get("/api/walk/nearest", params={"lon": 3.8767, "lat": 43.6108, "n": 3})
    posted = client.post("/api/walk/nearest", json={"lon": 3.8767, "lat": 43.6108, "n": 3})
    assert posted.status_code == 200 and posted.json() == got.json()
    assert posted.headers["cache-control"] == "no-store"
    assert client.post("/api/walk/nearest", json={"lon": 300, "lat": 43.6}).status_code == 422
    found = client.post("/api/search", json={"q": "12 rue de la loge"})
    assert found.status_code == 200 and found.headers["cache-control"] == "no-store"
    first = found.json()[0]
    assert first["kind"] == "address" and first["label"] == "12 Rue de la Loge"
    assert 3.87 < first["lon"] < 3.88 and 43.60 < first["lat"] < 43.62
    place = client.post("/api/search", json={"q": "marché des arceaux"}).json()[0]
    assert place["kind"] == "place" and place["detail"] == "market"
    tail = client.post("/api/search", json={"q": "avenue de toulouse 100"}).json()[0]
    assert tail["label"] == "100 Avenue de Toulouse"
    for bad in ({"q": "x"}, {"q": "a" * 121}, {"q": 12}, {"q": "loge", "n": 50},
                {"q": "loge", "lon": 3.8}):
        assert client.post("/api/search", json=bad).status_code == 422, bad
    assert client.get("/api/search", params={"q": "loge"}).status_code == 405


def test_a_warmed_up_server_has_the_first_search_ready(store: Store, cache_dir: Path) -> None:
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(cache_dir=cache_dir), ApiSettings(warm_up=True))
    with TestClient(create_app(settings)) as c:
        walking = c.app.state.walking  # type: ignore[attr-defined]
        for thread in threading.enumerate():
            if thread.name == "geo-caisse-warm-up":
                thread.join(timeout=120)
        assert walking.is_ready(None)
        assert not walking.is_ready("Su")  # only what the first search of any day needs
        r = c.get("/api/walk/nearest", params={**COMEDIE, "n": 3})
        assert r.status_code == 200 and len(r.json()["walk"]) == 3
