"""The geo-caisse command as a person runs it: clear errors, non-zero exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import uvicorn

from geo_caisse.cli import main
from tests.utils.stores import Store


def run(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEO_CAISSE_DATABASE_URL": store.url}
    return subprocess.run([sys.executable, "-m", "geo_caisse.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_bad_file_exits_2_and_names_the_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("ref,name,kind,lon,lat\na,A,shop,3.88,43.61\nb,B,kiosk,3.88,43.61\n")
    before = run(store, "export", "points_of_sale", str(tmp_path / "before.csv"))
    assert before.returncode == 0, before.stderr
    r = run(store, "import", "points_of_sale", str(path))
    assert r.returncode == 2
    assert "row 2" in r.stderr and "kind must be one of" in r.stderr
    after = run(store, "export", "points_of_sale", str(tmp_path / "after.csv"))
    assert after.returncode == 0
    assert (tmp_path / "before.csv").read_bytes() == (tmp_path / "after.csv").read_bytes()


def test_import_missing_file_and_status(store: Store, tmp_path: Path) -> None:
    r = run(store, "import", "markets", str(tmp_path / "nope.geojson"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run(store, "status", "no-such-ref", "conventionne")
    assert r.returncode == 1 and "no point of sale with ref 'no-such-ref'" in r.stderr
    r = run(store, "status", "stall-mosson-2", "conventionne")
    assert r.returncode == 0 and "accepts_mona=True" in r.stdout


def test_init_on_a_fresh_spatialite_file(tmp_path: Path) -> None:
    env = {**os.environ, "GEO_CAISSE_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite'}"}
    r = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "init"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "529 points of sale" in r.stdout
    assert "writing 529 points of sale" in r.stderr  # progress is shown


def test_bad_database_url(tmp_path: Path) -> None:
    env = {**os.environ, "GEO_CAISSE_DATABASE_URL": "mysql://nobody@localhost/x"}
    r = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "init"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "GEO_CAISSE_DATABASE_URL must start with" in r.stderr


def test_missing_spatialite_library_is_explained(tmp_path: Path) -> None:
    env = {**os.environ, "GEO_CAISSE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
           "GEO_CAISSE_SPATIALITE_LIBRARY": "/nonexistent/mod_spatialite"}
    r = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "init"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "apt-get install libsqlite3-mod-spatialite" in r.stderr


def test_ledger_commands(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text("Date;De;Vers;Montant\n2025-01-01;mona:issuance;member:ghost;100\n")
    r = run(store, "ledger", "import", str(bad), "--column", "date=Date", "--column",
            "payer=De", "--column", "payee=Vers", "--column", "amount=Montant")
    assert r.returncode == 2 and "row 1, payee: unknown account 'member:ghost'" in r.stderr
    r = run(store, "ledger", "import", str(bad), "--column", "date")
    assert r.returncode == 2 and "name=value" in r.stderr
    r = run(store, "ledger", "allocate", "2025-13")
    assert r.returncode == 2 and "month must be YYYY-MM" in r.stderr
    r = run(store, "simulate", "--members", "40", "--seed", "3", "-o", str(tmp_path / "y.csv"))
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC year 2025 (seed 3): 40 members" in r.stdout
    assert (tmp_path / "y.csv").read_text().startswith("date,payer,payee,amount")
    r = run(store, "ledger", "allocate", "2025-03")
    assert r.returncode == 0 and "0 members credited" in r.stdout
    r = run(store, "ledger", "verify")
    assert r.returncode == 0 and "ledger sound" in r.stdout
    r = run(store, "simulate", "--if-empty")
    assert r.returncode == 0 and "already has members" in r.stdout
    env_run = subprocess.run(
        [sys.executable, "-m", "geo_caisse.cli", "user", "coord", "--role", "coordinator"],
        env={**os.environ, "GEO_CAISSE_DATABASE_URL": store.url,
             "GEO_CAISSE_NEW_PASSWORD": "short"}, capture_output=True, text=True, timeout=60)
    assert env_run.returncode == 2 and "at least 10 characters" in env_run.stderr



def _served(monkeypatch: pytest.MonkeyPatch, *argv: str) -> dict[str, object]:
    """What ``geo-caisse serve`` hands uvicorn (uvicorn.run replaced by a recorder), and the
    JWT secret its workers would read from the environment."""
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    assert main(["serve", *argv]) == 0
    seen["secret"] = os.environ.get("GEO_CAISSE_JWT_SECRET")
    seen["paused"] = os.environ.get("GEO_CAISSE_SERVE_WORKER_IMPORTS")
    return seen


def test_serve_workers_share_one_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEO_CAISSE_JWT_SECRET", "GEO_CAISSE_WORKERS",
                 "GEO_CAISSE_SERVE_WORKER_IMPORTS"):  # unset now, and after
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    one = _served(monkeypatch)
    assert (one["workers"], one["factory"], one["secret"], one["paused"]) == (1, True, None, None)
    two = _served(monkeypatch, "--workers", "2")
    assert two["workers"] == 2 and two["app"] == "api.main:create_app"
    # the spawned workers import the app with the collector paused (geo_caisse/__init__.py)
    assert two["paused"] == "1"
    # every worker reads this one secret: a token one of them signs, the others accept
    assert isinstance(two["secret"], str) and len(two["secret"]) >= 32
    monkeypatch.setenv("GEO_CAISSE_WORKERS", "3")
    monkeypatch.setenv("GEO_CAISSE_JWT_SECRET", "s" * 40)
    three = _served(monkeypatch)
    assert (three["workers"], three["secret"]) == (3, "s" * 40)  # a configured one is kept


def test_serve_refuses_a_bad_number_of_workers() -> None:
    out = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "serve", "--workers", "0"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "'0' is not a number of processes from 1 to 64" in out.stderr
