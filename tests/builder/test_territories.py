"""Two more real French territories, built with ``geo-caisse territory build`` as
docs/territory.md tells a caisse's data volunteer, then checked, loaded and used on both
backends: deserts, the member map's nearest walk, a simulated year, a draw, targeting.

- Villeurbanne (Maisons-Neuves): a full OSM export with its food shops and house numbers
  (most behind associatedStreet relations), commune boundaries and populations, no income.
- Bondy: IRIS contours, Filosofi income by IRIS, the BAN for the whole commune, the
  commune's own shop list, and an OSM export of its north only: most people live outside
  the network, which the analyses must report, not hide.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo_caisse.cli import main as cli
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.strata import STRATA
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.layers.loading import init_store
from geo_caisse.layers.territory_check import check_territory
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.statements import verify_ledger
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from tests.conftest import BACKENDS, _pg_url, _postgis_problem
from tests.utils.built_territories import COMMANDS, MONTPELLIER_WORDS, RAW, build_all
from tests.utils.stores import AUTH, TOKEN

B = RAW / "bondy"

#: a home inside each network, and (Bondy) one in the south, outside it
HOMES = {"villeurbanne": (4.8800, 45.7580), "bondy": (2.4840, 48.9100)}
OUTSIDE = {"bondy": (2.4890, 48.8935)}
FINEST = {"villeurbanne": "commune", "bondy": "iris"}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("territories"))


@dataclass
class Place:
    name: str
    directory: Path
    territory: Territory
    backend: str
    client: TestClient
    sessions: object


@pytest.fixture(params=[(p, b) for p in COMMANDS for b in BACKENDS],
                ids=lambda pb: f"{pb[0]}-{pb[1]}")
def place(request: pytest.FixtureRequest, built: dict[str, Path], tmp_path: Path,
          cache_dir: Path) -> Iterator[Place]:
    name, backend = request.param
    territory = Territory.from_dir(built[name])
    if backend == "spatialite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
        admin = None
    else:
        problem = _postgis_problem()
        if problem:
            if request.config.getoption("--require-all-backends"):
                pytest.fail(f"postgis backend required: {problem}")
            pytest.skip(problem)
        db = f"gc_territory_{uuid.uuid4().hex[:12]}"
        admin = create_engine(make_url(_pg_url()).set(database="postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {db}"))
        url = make_url(_pg_url()).set(database=db).render_as_string(hide_password=False)
    engine = make_engine(DatabaseSettings(database_url=url))
    sessions = session_factory(engine)
    init_store(engine, sessions, territory, progress=quiet)
    settings = Settings(DatabaseSettings(database_url=url),
                        TerritorySettings(territory_dir=built[name], cache_dir=cache_dir),
                        ApiSettings(coordinator_token=TOKEN))
    from api.main import create_app

    with TestClient(create_app(settings)) as client:
        yield Place(name, built[name], territory, backend, client, writer_sessions(engine))
    engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()


def test_each_folder_is_built_whole_and_says_what_it_lacks(built: dict[str, Path]) -> None:
    for name, folder in built.items():
        report = check_territory(folder)
        assert report.ok, (name, [str(p) for p in report.problems])
        notes = " ".join(str(n) for n in report.notes)
        assert "no markets layer" in notes and "strata" in notes
        provenance = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
        assert "ODbL" in provenance and "SHA-256" in provenance
        assert "Strata: absent" in provenance
        for word in MONTPELLIER_WORDS:
            assert word not in (folder / "territory.toml").read_text(encoding="utf-8")
    villeurbanne = (built["villeurbanne"] / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Income: none given" in villeurbanne
    assert "associatedStreet" in villeurbanne
    bondy = (built["bondy"] / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Network coverage" in bondy and "outside the network" in bondy
    assert "93077 left out" in bondy  # the neighbouring commune's IRIS in the file
    t = Territory.from_dir(built["bondy"])
    assert t.network is not None and t.network.coverage  # the north only


def test_the_builder_refuses_bad_input_with_the_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = COMMANDS["villeurbanne"]
    # no boundaries at all
    no_boundaries = [a for a in args[:6]]
    assert cli(["territory", "build", str(tmp_path / "a"), *no_boundaries]) == 2
    assert "--communes or --iris" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    # boundaries of another place: nothing in common with the extract
    other = [*args[:6], "--iris", str(B / "boundaries/georef-france-iris-bondy-2020.zip")]
    assert cli(["territory", "build", str(tmp_path / "b"), *other]) == 2
    assert "do not overlap" in capsys.readouterr().err
    # a folder already holding something is not overwritten
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "keep.txt").write_text("mine", encoding="utf-8")
    assert cli(["territory", "build", str(tmp_path / "c"), *args]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "c" / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]  # no half-written folder


def _conventionner_half(place: Place) -> int:
    pos = place.client.get("/api/points-of-sale", params={"limit": 500}).json()["features"]
    chosen = [p for i, p in enumerate(sorted(pos, key=lambda p: p["properties"]["ref"]))
              if i % 2 == 0]
    for p in chosen:
        r = place.client.patch(f"/api/points-of-sale/{p['id']}/status",
                               json={"status": "conventionne"}, headers=AUTH)
        assert r.status_code == 200, r.text
    return len(chosen)


def test_deserts_nearest_walk_a_year_a_draw_and_targeting(place: Place) -> None:
    """One store per territory and backend, used as a caisse would in its first year."""
    c = place.client
    info = c.get("/api/territory").json()
    assert info["name"] == place.territory.name
    assert _conventionner_half(place) >= 5
    summary = c.get("/api/deserts/summary")
    assert summary.status_code == 200, summary.text
    s = summary.json()
    if place.name == "villeurbanne":
        # no income: the low-income cut is unknown, never 0
        assert s["low_income"]["available"] is False
        assert "unavailable" in s["low_income_rule"]
    else:
        assert s["low_income"]["available"] is True
    lon, lat = HOMES[place.name]
    r = c.post("/api/walk/nearest", json={"lon": lon, "lat": lat, "n": 3})
    assert r.status_code == 200, r.text
    near = r.json()
    assert near["method"] == "network" and near["walk"]
    assert all(w["walk_min"] >= 0 for w in near["walk"])
    if place.name in OUTSIDE:
        lon, lat = OUTSIDE[place.name]
        far = c.post("/api/walk/nearest", json={"lon": lon, "lat": lat, "n": 3}).json()
        assert far["method"] != "network"  # never passed off as a walk
    areas = c.get("/api/deserts/areas", params={"level": FINEST[place.name]})
    assert areas.status_code == 200, areas.text
    # the member map and the coordinators' map speak of this place, not Montpellier
    for page in ("/", "/coordination"):
        html = c.get(page).text
        for word in MONTPELLIER_WORDS:
            assert word not in html, (page, word)
    # a simulated year of MonA on the conventionnés
    sim = simulate_year(place.sessions, place.territory, year=2025, members=40, seed=5)
    summary = import_transactions(place.sessions, sim.csv_bytes, source="synthetic.csv")
    assert summary.rows == sim.movements and verify_ledger(place.sessions) == []
    # a draw with quotas given by hand: the territory has no strata estimate
    codes = [f["properties"]["code"] for f in c.get(
        "/api/neighbourhoods", params={"limit": 500}).json()["features"]]
    specs = [{"registered_on": date(2026, 1, 5), "income_quartile": 1 + i % 4,
              "age_band": ("<30", "30-60", ">60")[i % 3], "channel": "open_call",
              "neighbourhood_code": codes[i % len(codes)], "synthetic": True}
             for i in range(36)]
    register_volunteers(place.sessions, place.territory, specs)
    no_quotas = c.post("/api/draws", json={"seats": 12, "seed": 3, "joined_on": "2026-02-01"},
                       headers=AUTH)
    assert no_quotas.status_code == 409 and "strata" in no_quotas.json()["detail"]
    quotas = {"stratum": {s: [1, 1] for s in STRATA}}
    held = c.post("/api/draws", json={"seats": 12, "seed": 3, "joined_on": "2026-02-01",
                                      "quotas": quotas}, headers=AUTH)
    assert held.status_code == 201, held.text
    assert len(held.json()["selected"]) == 12
    # targeting: the strata term needs strata; income is needed for the low-income term
    r = c.get("/api/targeting", params={"k": 2, "mode": "interactive"}, headers=AUTH)
    assert r.status_code == 409 and "strata" in r.json()["detail"]
    r = c.get("/api/targeting", params={"k": 2, "mode": "interactive",
                                        "under_represented": 0}, headers=AUTH)
    if place.name == "villeurbanne":
        assert r.status_code == 409 and "income" in r.json()["detail"], r.text
        r = c.get("/api/targeting", params={"k": 2, "mode": "interactive",
                                            "under_represented": 0, "desert_low_income": 0},
                  headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["sites"]


def test_strata_are_estimated_when_ages_and_deciles_are_given(tmp_path: Path) -> None:
    from tests.builder.test_strata import AGES, FILO

    ages, deciles = tmp_path / "ages.csv", tmp_path / "filo_deciles.csv"
    ages.write_text(AGES, encoding="utf-8")
    deciles.write_text(FILO, encoding="utf-8")
    # Bondy's real Filosofi file gives medians only: no distribution, strata absent, said so
    assert cli(["territory", "build", str(tmp_path / "medians"), *COMMANDS["bondy"],
                "--ages", str(ages)]) == 0
    provenance = (tmp_path / "medians" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Strata: absent (the income table gives no distribution" in provenance
    # with deciles (two IRIS here), the estimate is written and the territory uses it
    args = [a if not a.endswith("disp_med.csv") else str(deciles) for a in COMMANDS["bondy"]]
    assert cli(["territory", "build", str(tmp_path / "deciles"), *args,
                "--ages", str(ages)]) == 0
    t = Territory.from_dir(tmp_path / "deciles")
    assert t.strata_path is not None and t.strata_path.name == "strata.csv"
    assert check_territory(tmp_path / "deciles").ok
    from geo_caisse.io.strata import read_strata

    table = read_strata(t.strata_path)
    assert set(table) == {"930100101", "930100102"}
    assert all(set(row) == set(STRATA) for row in table.values())


def _write_grid(path: str) -> int:
    """A grid shaped as INSEE's (LAEA cells, Ind, Men, Men_pauv; the counts made up for the
    test) over Bondy's north, written as a GeoPackage (in a GDAL process: geo_caisse.io._gdal)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    box = gpd.GeoSeries([shapely.box(2.478, 48.907, 2.491, 48.9127)], crs=4326).to_crs(3035)
    x0, y0, x1, y1 = box.total_bounds
    xs, ys = np.arange(x0 // 200 * 200, x1, 200), np.arange(y0 // 200 * 200, y1, 200)
    cells = [shapely.box(x, y, x + 200, y + 200) for x in xs for y in ys]
    rng = np.random.default_rng(1)
    men = rng.integers(11, 200, len(cells))
    gpd.GeoDataFrame({"Idcar_200m": [f"c{i}" for i in range(len(cells))],
                      "Ind": men * 2.3, "Men": men,
                      "Men_pauv": (men * rng.uniform(0, 0.5, len(cells))).round()},
                     geometry=cells, crs=3035).to_file(path, driver="GPKG", engine="pyogrio")
    return len(cells)


def _read_grid(path: str) -> tuple[int, bool]:
    import geopandas as gpd

    written = gpd.read_file(path)
    return len(written), bool(written.share_poor.between(0, 1).all() and (written.ind > 0).all())


def test_people_from_a_filosofi_200m_grid(tmp_path: Path) -> None:
    """People sit at the centres of Filosofi's 200 m cells, low income is their share."""
    from geo_caisse.io import _gdal

    n_cells = _gdal.call(_write_grid, str(tmp_path / "filosofi_200m.gpkg"))
    assert cli(["territory", "build", str(tmp_path / "b"), *COMMANDS["bondy"],
                "--grid", str(tmp_path / "filosofi_200m.gpkg")]) == 0
    t = Territory.from_dir(tmp_path / "b")
    assert t.population is not None and t.population.mode == "weighted_points"
    assert t.population.low_income_column == "share_poor"
    report = check_territory(tmp_path / "b")
    assert report.ok, [str(p) for p in report.problems]
    kept, valid = _gdal.call(_read_grid, str(tmp_path / "b" / "population_grid.gpkg"))
    assert 0 < kept <= n_cells and valid
    assert "Filosofi 200 m" in (tmp_path / "b" / "PROVENANCE.md").read_text(encoding="utf-8")
