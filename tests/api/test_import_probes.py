"""The import route under bad files: a 4xx naming the row, never the server's path, and the
store unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.io._gdal import call as _gdal_call
from tests.utils.gdal import write_gpkg_layers
from tests.utils.stores import AUTH, TOKEN, Store


@pytest.fixture
def roomy(store: Store, cache_dir: Path) -> Iterator[TestClient]:
    """The app with a 1 MiB upload limit (a GeoPackage is about 100 KB)."""
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(cache_dir=cache_dir),
                        ApiSettings(coordinator_token=TOKEN, max_upload_bytes=1 << 20))
    with TestClient(create_app(settings)) as c:
        yield c


def _count(client: TestClient) -> int:
    return int(client.get("/api/points-of-sale", params={"limit": 1}).json()["numberMatched"])


def test_an_unknown_market_ref_is_refused_with_its_row(client: TestClient) -> None:
    before = _count(client)
    csv = ("ref,name,kind,market_ref,lon,lat\n"
           "n-1,Shop A,shop,,3.88,43.61\n"
           "n-2,Stand B,market_stall,no-such-market,3.88,43.61\n")
    r = client.post("/api/import/points_of_sale", headers=AUTH,
                    files={"file": ("stands.csv", csv.encode(), "text/csv")})
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert problem == {"row": 2, "field": "market_ref",
                       "message": "unknown market_ref 'no-such-market': import the market "
                                  "first"}
    assert _count(client) == before


def test_a_geopackage_of_several_layers_is_imported_by_name(roomy: TestClient,
                                                            tmp_path: Path) -> None:
    client = roomy
    path = tmp_path / "two.gpkg"
    _gdal_call(write_gpkg_layers, {
        "a": [({"ref": "gp-a", "name": "A", "kind": "shop"}, (3.88, 43.61))],
        "b": [({"ref": "gp-b", "name": "B", "kind": "shop"}, (3.87, 43.60))]}, str(path))
    before = _count(client)
    files = {"file": ("two.gpkg", path.read_bytes(), "application/geopackage+sqlite3")}
    r = client.post("/api/import/points_of_sale", headers=AUTH, files=files)
    assert r.status_code == 422 and "holds 2 layers (a, b)" in r.json()["detail"], r.text
    assert _count(client) == before
    r = client.post("/api/import/points_of_sale", headers=AUTH, files=files,
                    params={"gpkg_layer": "b"})
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 1 and _count(client) == before + 1


def test_an_unreadable_upload_never_shows_the_servers_temporary_path(
        client: TestClient) -> None:
    for name, body in (("broken.gpkg", b"SQLite format 3\x00" + b"\x00" * 100),
                       ("broken.geojson", b"{\"type\": \"Feature"),
                       ("broken.csv", b"\xff\xfe\x00bad")):
        r = client.post("/api/import/markets", headers=AUTH,
                        files={"file": (name, body, "application/octet-stream")})
        assert r.status_code == 422, r.text
        assert name in r.json()["detail"]
        assert "/tmp" not in r.text and "upload." not in r.text, r.text
