"""The member map's places over HTTP: every filter honoured, the walk to each, the route."""

from __future__ import annotations

import gzip
import itertools
import math

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from geo_caisse.core.opening_hours import parse_opening_hours

COMEDIE = {"lon": 3.8797, "lat": 43.6085}


def test_the_nearest_market_open_on_wednesday_morning(client: TestClient) -> None:
    r = client.post("/api/places", json={**COMEDIE, "kinds": ["market"], "when": "We 10:00",
                                         "max_walk_min": 30, "route": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["cache-control"] == "no-store"
    assert body["at"] == {"weekday": "We", "time": "10:00", "now": False}
    assert body["filtered"] is True and body["method"] == "network"
    found = body["places"] or [body["beyond"]]
    assert found and body["matching"] >= len(body["places"])
    for p in found:  # markets only, each one open then
        assert p["kind"] == "market" and p["stalls"] >= 1
        assert parse_opening_hours(p["opening_hours"]).open_at("We", 600) is not None
        assert p["status"]["state"] == "open" and p["status"]["until"]
    walks = [p["walk_min"] for p in body["places"]]
    assert walks == sorted(walks) and all(w <= 30 for w in walks)
    assert body["route"]["coordinates"][0] == [COMEDIE["lon"], COMEDIE["lat"]]
    assert body["route"]["coordinates"][-1] == [found[0]["lon"], found[0]["lat"]]


def test_every_filter_is_honoured_and_unknown_hours_never_open(client: TestClient) -> None:
    every = client.post("/api/places", json={}).json()
    assert every["filtered"] is False and every["method"] is None
    kinds = {p["kind"] for p in every["places"]}
    assert {"market", "shop"} <= kinds and "market_stall" not in kinds
    assert any(p["status"]["state"] == "unknown" for p in every["places"])
    for when in ("Tu", "Su", "Sa 09:00", "now"):
        day = client.post("/api/places", json={"when": when}).json()
        assert day["filtered"] is True and len(day["places"]) == day["matching"]
        assert len(day["places"]) < len(every["places"])
        for p in day["places"]:
            assert p["opening_hours"] and p["status"]["state"] == "open"
    shops = client.post("/api/places", json={**COMEDIE, "kinds": ["shop"],
                                              "max_walk_min": None}).json()
    assert shops["places"] and {p["kind"] for p in shops["places"]} == {"shop"}


def test_none_within_the_limit_offers_the_nearest_beyond(client: TestClient) -> None:
    body = client.post("/api/places", json={**COMEDIE, "kinds": ["cooperative"],
                                             "max_walk_min": 1, "route": True}).json()
    assert body["places"] == [] and body["matching"] >= 1
    assert body["beyond"]["kind"] == "cooperative" and body["beyond"]["walk_min"] > 1
    assert body["route"]["coordinates"][-1] == [body["beyond"]["lon"], body["beyond"]["lat"]]


def test_the_list_of_every_place_and_a_route_to_any(client: TestClient) -> None:
    every = client.post("/api/places", json={**COMEDIE, "max_walk_min": None}).json()
    walks = [p["walk_min"] for p in every["places"]]
    assert len(walks) > 40 and walks == sorted(walks)
    third = every["places"][2]
    r = client.post("/api/places", json={**COMEDIE, "max_walk_min": None, "n": 1,
                                          "route_to": third["key"]}).json()
    line = r["route"]["coordinates"]
    assert line[0] == [COMEDIE["lon"], COMEDIE["lat"]] and line[-1] == [third["lon"],
                                                                       third["lat"]]
    length_m = sum(math.dist((a[0] * 80_500, a[1] * 111_200), (b[0] * 80_500, b[1] * 111_200))
                   for a, b in itertools.pairwise(line))
    assert length_m == pytest.approx(third["walk_m"], rel=0.15)
    missing = client.post("/api/places", json={**COMEDIE, "route_to": "market:999999"})
    assert missing.status_code == 422 and "route_to" in missing.json()["detail"]


@pytest.mark.parametrize("body", [
    {"when": "Wednesday"}, {"kinds": ["stall"]}, {"lon": 3.87}, {"max_walk_min": 0},
    {"route_to": "shop:1"}, {"lon": 2.35, "lat": 48.85}, {"name": "x"},
])
def test_bad_questions_are_4xx_with_a_reason(client: TestClient, body: dict[str, object]
                                            ) -> None:
    r = client.post("/api/places", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    lat_r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(lat_r)) / math.pi) / 2 * n)


def test_the_base_map_tiles_hold_named_streets_trams_and_stops(client: TestClient,
                                                              basemap_built: None) -> None:
    x, y = _tile_at(COMEDIE["lon"], COMEDIE["lat"], 16)
    r = client.get(f"/tiles/16/{x}/{y}.mvt")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.mapbox-vector-tile")
    layers = mapbox_vector_tile.decode(r.content)  # the client has undone the gzip
    names = {f["properties"].get("name") for f in layers["streets"]["features"]}
    assert "Place de la Comédie" in names or "Rue de la Loge" in names
    assert {f["properties"]["name"] for f in layers["stops"]["features"]} >= {"Comédie"}
    colours = {f["properties"]["colour"] for f in layers["transit"]["features"]}
    assert colours & {"#005CA9", "#EF7D00"}  # tram lines 1 and 2 in their colours
    # far from the territory: an empty tile (nothing to draw), not an error
    empty = client.get("/tiles/16/0/0.mvt")
    assert empty.status_code == 200 and empty.content == b""
    assert client.get("/tiles/99/0/0.mvt").status_code == 422


def test_pages_frame_rules_and_offline_docs(client: TestClient) -> None:
    assert client.get("/").headers["x-frame-options"] == "SAMEORIGIN"
    embed = client.get("/", params={"embed": "1"})
    assert embed.status_code == 200 and "gc-embed" in embed.text
    assert embed.headers["content-security-policy"] == "frame-ancestors *"
    for path in ("/docs", "/redoc"):
        page = client.get(path).text
        assert "/static/vendor/" in page and "cdn.jsdelivr" not in page
        assert "fonts.googleapis" not in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/redoc/redoc.standalone.js").status_code == 200


def test_tiles_are_gzip_on_the_wire(client: TestClient, basemap_built: None) -> None:
    x, y = _tile_at(COMEDIE["lon"], COMEDIE["lat"], 15)
    raw = client.app.state.basemap.get().tile(15, x, y)  # type: ignore[attr-defined]
    assert raw[:2] == b"\x1f\x8b" and mapbox_vector_tile.decode(gzip.decompress(raw))
