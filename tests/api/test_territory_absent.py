"""Honest absence: a territory without markets, strata or income loads and says what it
cannot compute (a 409 naming the input, "unavailable", never a 500 nor a silent zero)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from api.main import create_app
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import (
    ApiSettings,
    DatabaseSettings,
    Settings,
    TerritorySettings,
)
from geo_caisse.core.territory import Territory
from geo_caisse.layers import queries
from geo_caisse.layers.loading import init_store
from geo_caisse.storage import make_engine, session_factory
from geo_caisse.storage.layers import PointOfSaleFilter
from tests.conftest import Template
from tests.utils.stores import AUTH, TOKEN, Store
from tests.utils.territories import copy, variant, without_inputs, without_layer


def _client(store: Store, cache_dir: Path, folder: Path) -> TestClient:
    return TestClient(create_app(Settings(
        DatabaseSettings(database_url=store.url),
        TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
        ApiSettings(coordinator_token=TOKEN))))


@pytest.fixture
def empty_url(template: Template, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the template's backend."""
    if template.backend == "spatialite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"gc_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(template.url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(template.url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _without_stalls(folder: Path) -> int:
    """Drop the market stalls (they name a market) from the copy's points of sale."""
    path = folder / "points_of_sale.geojson"
    doc = json.loads(path.read_text("utf-8"))
    doc["features"] = [f for f in doc["features"]
                       if f["properties"]["kind"] != "market_stall"]
    path.write_text(json.dumps(doc), "utf-8")
    return len(doc["features"])


@pytest.mark.parametrize("absent", ["no layer", "empty layer"])
def test_a_territory_without_markets_loads(empty_url: str, tmp_path: Path,
                                           absent: str) -> None:
    folder = copy(tmp_path / "t")
    shops = _without_stalls(folder)
    if absent == "no layer":
        without_layer(folder, "markets")
    else:
        (folder / "markets.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    territory = Territory.from_dir(folder)
    engine = make_engine(DatabaseSettings(database_url=empty_url))
    try:
        sessions = session_factory(engine)
        summary = init_store(engine, sessions, territory, progress=quiet)
        assert summary.markets.inserted == 0 and summary.markets.updated == 0
        assert summary.points_of_sale.inserted == shops == 509
        assert queries.markets(sessions).number_matched == 0
        assert queries.points_of_sale(sessions, PointOfSaleFilter()).number_matched == shops
    finally:
        engine.dispose()


def test_stalls_naming_an_absent_market_are_refused_by_name(empty_url: str,
                                                            tmp_path: Path) -> None:
    folder = copy(tmp_path / "t")
    without_layer(folder, "markets")
    engine = make_engine(DatabaseSettings(database_url=empty_url))
    try:
        with pytest.raises(ValueError, match=r"unknown market_ref.*antigone"):
            init_store(engine, session_factory(engine), Territory.from_dir(folder),
                       progress=quiet)
    finally:
        engine.dispose()


def test_no_strata_answers_409_naming_the_strata(store: Store, cache_dir: Path,
                                                 tmp_path: Path) -> None:
    folder = variant(tmp_path / "nostrata", drop=("enrolment",))
    with _client(store, cache_dir, folder) as c:
        for url, params in (("/api/enrolment/coverage", {}),
                            ("/api/enrolment/coverage/areas", {}),
                            ("/api/targeting", {"k": 2})):
            r = c.get(url, params=params, headers=AUTH)
            assert r.status_code == 409, (url, r.text)
            body = r.json()
            assert body["error"] == "MissingInputError"
            assert "no [enrolment] strata file" in body["detail"]
            assert "add [enrolment] strata" in body["detail"]
        # what needs no strata is still served
        assert c.get("/api/deserts/summary").status_code == 200


def test_no_income_says_the_low_income_rule_is_unavailable(store: Store, cache_dir: Path,
                                                           tmp_path: Path) -> None:
    folder = copy(tmp_path / "noincome")
    path = folder / "neighbourhoods.geojson"
    doc = json.loads(path.read_text("utf-8"))
    for f in doc["features"]:
        f["properties"]["median_income_uc_eur"] = None
    path.write_text(json.dumps(doc), "utf-8")
    with _client(store, cache_dir, folder) as c:
        r = c.get("/api/deserts/summary")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["low_income"]["available"] is False
        assert body["low_income"]["threshold_eur"] is None
        assert body["low_income_rule"].startswith(
            "unavailable: no sous_quartier of the neighbourhoods has median_income_uc_eur")
        assert "nan" not in body["low_income_rule"]
        totals = body["totals"]
        assert totals["desert_population"] is None and totals["low_income_population"] is None
        assert totals["low_access_population"] > 0      # walking times still are computed
        areas = c.get("/api/deserts/areas", params={"level": "sous_quartier"}).json()
        assert {f["properties"]["desert_population"] for f in areas["features"]} == {None}
        # the bundled territory (with income) keeps its rule and its count
    with _client(store, cache_dir, variant(tmp_path / "same")) as c:
        body = c.get("/api/deserts/summary").json()
        assert body["low_income"]["available"] is True
        assert "≤ " in body["low_income_rule"] and body["totals"]["desert_population"] > 0


def test_a_level_the_territory_lacks_is_an_error(store: Store, cache_dir: Path,
                                                 tmp_path: Path) -> None:
    env = {**os.environ, "GEO_CAISSE_DATABASE_URL": store.url,
           "GEO_CAISSE_CACHE_DIR": str(cache_dir)}
    out = tmp_path / "iris.csv"
    r = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "deserts", "--level", "iris",
                        "-o", str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--level: 'iris' is not a level of the territory" in r.stderr
    assert "its levels are commune, quartier, sous_quartier" in r.stderr
    assert not out.exists() and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "deserts", "--level",
                        "arrondissement"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "'arrondissement' is not a level" in r.stderr
    with _client(store, cache_dir, variant(tmp_path / "same")) as c:
        r = c.get("/api/deserts/areas", params={"level": "iris"})
        assert r.status_code == 422
        assert "its levels are commune, quartier, sous_quartier" in r.json()["detail"]


def test_no_strata_targets_on_the_other_terms_at_weight_0(store: Store, cache_dir: Path,
                                                          tmp_path: Path) -> None:
    folder = variant(tmp_path / "nostrata", drop=("enrolment",))
    with _client(store, cache_dir, folder) as c:
        r = c.get("/api/targeting", params={"k": 2, "under_represented": 0.5}, headers=AUTH)
        assert r.status_code == 409 and "under_represented" in r.json()["detail"]
        r = c.get("/api/targeting", params={"k": 2, "under_represented": 0}, headers=AUTH)
        assert r.status_code == 200, r.text
        out = r.json()
        assert "no [enrolment] strata" in out["unavailable"]["under_represented"]
        assert set(out["unavailable"]) == {"under_represented"}
        assert out["terms_total"]["under_represented"] is None      # unknown, not 0
        assert out["terms_total"]["desert_low_income"] > 0
        assert all(s["terms"]["under_represented"] is None for s in out["sites"])
        assert out["coefficients"]["under_represented"] == 0


def test_without_income_strata_nor_markets_nothing_is_a_silent_zero(
        empty_url: str, cache_dir: Path, tmp_path: Path) -> None:
    folder = without_inputs(tmp_path / "bare")
    territory = Territory.from_dir(folder)
    engine = make_engine(DatabaseSettings(database_url=empty_url))
    init_store(engine, session_factory(engine), territory, progress=quiet)
    engine.dispose()
    with TestClient(create_app(Settings(
            DatabaseSettings(database_url=empty_url),
            TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
            ApiSettings(coordinator_token=TOKEN)))) as c:
        # targeting: a term above 0 whose input is missing is a 409 naming it
        both = c.get("/api/targeting", params={"k": 2}, headers=AUTH)
        assert both.status_code == 409, both.text
        assert both.json()["error"] == "MissingInputError"
        assert "median_income_uc_eur" in both.json()["detail"]
        assert "[enrolment] strata" in both.json()["detail"]
        income = c.get("/api/targeting", params={"k": 2, "under_represented": 0},
                       headers=AUTH)
        assert income.status_code == 409
        detail = income.json()["detail"]
        assert "desert_low_income cannot be computed" in detail
        assert "median_income_uc_eur for its sous_quartier neighbourhoods" in detail
        assert "[population] level" in detail and "add median_income_uc_eur" in detail
        assert "strata" not in detail and "set desert_low_income=0" in detail
        strata = c.get("/api/targeting", params={"k": 2, "desert_low_income": 0},
                       headers=AUTH)
        assert strata.status_code == 409
        assert "[enrolment] strata" in strata.json()["detail"]
        assert "median_income" not in strata.json()["detail"]
        # with both at 0 it runs on the spare capacity alone, the others unknown
        r = c.get("/api/targeting", params={"k": 2, "desert_low_income": 0,
                                            "under_represented": 0}, headers=AUTH)
        assert r.status_code == 200, r.text
        out = r.json()
        assert set(out["unavailable"]) == {"desert_low_income", "under_represented"}
        assert out["terms_total"]["desert_low_income"] is None
        assert out["terms_total"]["under_represented"] is None
        assert out["terms_total"]["spare_capacity"] > 0
        assert out["objective"] == pytest.approx(out["terms_covered"]["spare_capacity"], abs=2)
        assert {s["site"]["kind"] for s in out["sites"]} == {"point_of_sale"}   # no market
        props = out["cells"]["features"][0]["properties"]
        assert props["desert_low_income"] is None and props["spare_capacity"] is not None
        # the what-if and the candidates: low-income people unknown, the reason given
        w = c.post("/api/whatif", json={"add_lon": 3.8775, "add_lat": 43.6096})
        assert w.status_code == 200, w.text
        w = w.json()
        assert w["low_income_out_of_desert"] is None and w["low_income_into_desert"] is None
        assert w["people_out_of_low_access"] >= 0
        assert "median_income_uc_eur" in w["unavailable"]["low_income"]
        ranked = c.get("/api/whatif/candidates", params={"top": 3}).json()
        assert ranked and all(x["low_income_within_reach"] is None for x in ranked)
        # a producer's demand and a dossier's effect
        view = c.get("/api/conventionnement", headers=AUTH).json()
        pos_id = view["candidates"][0]["id"]
        d = c.get(f"/api/points-of-sale/{pos_id}/demand", headers=AUTH)
        assert d.status_code == 200, d.text
        assert all(b["low_income_people"] is None and b["people"] >= 0
                   for b in d.json()["bands"])
        assert "median_income_uc_eur" in d.json()["unavailable"]["low_income"]
        made = c.post("/api/conventionnement/dossiers", json={"point_of_sale_id": pos_id},
                      headers=AUTH)
        assert made.status_code == 201, made.text
        e = c.get(f"/api/conventionnement/dossiers/{made.json()['id']}/effect", headers=AUTH)
        assert e.status_code == 200, e.text
        e = e.json()
        assert e["low_income_brought_within_reach"] is None
        assert e["low_income_put_out_of_reach"] is None
        assert e["desert_before"] is None and e["desert_after"] is None
        assert e["people_brought_within_reach"] >= 0 and e["low_access_before"] > 0
        assert all(b["low_income_people"] is None for b in e["bands"])
        assert "low_income" in e["unavailable"]
        for body in (out, w, ranked, d.json(), e):
            assert "NaN" not in json.dumps(body)
