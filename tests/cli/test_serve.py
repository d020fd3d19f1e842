"""The service refuses a territory folder that fails its check: ``geo-caisse serve`` exits 2
listing each problem with its fix, the app's start-up refuses; notes stop nothing; the check
is remembered while the folder's files are unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from geo_caisse.core.errors import DataError
from geo_caisse.core.settings import (
    BUNDLED_TERRITORY_DIR,
    ApiSettings,
    DatabaseSettings,
    Settings,
    TerritorySettings,
)
from geo_caisse.layers import territory_check
from geo_caisse.layers.territory_check import check_territory_cached
from tests.utils.stores import TOKEN, Store
from tests.utils.territories import copy, set_properties

MARKET_DAYS = ("problem: markets.geojson: row 3: opening_hours is required. Fix: give the "
               "market's days and hours in OpenStreetMap's opening_hours syntax")


def _edit(path: Path, i: int, **changes: Any) -> None:
    doc = json.loads(path.read_text("utf-8"))
    set_properties(doc, i, **changes)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _broken(folder: Path) -> Path:
    copy(folder)
    _edit(folder / "markets.geojson", 2, opening_hours=...)      # a market without its days
    (folder / "strata.csv").unlink()                                # a missing file
    return folder


def test_serve_refuses_a_broken_folder_in_words(tmp_path: Path) -> None:
    folder = _broken(tmp_path / "t")
    env = {**os.environ, "GEO_CAISSE_TERRITORY_DIR": str(folder),
           "GEO_CAISSE_CACHE_DIR": str(tmp_path / "cache"), "GEO_CAISSE_PORT": "1"}
    r = subprocess.run([sys.executable, "-m", "geo_caisse.cli", "serve", "--port", "1"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert f"geo-caisse serve: the territory folder {folder.resolve()} has 2 problem(s)" \
        in r.stderr
    assert MARKET_DAYS in r.stderr
    assert "problem: strata.csv: the strata file is missing" in r.stderr
    assert "Fix: put the file in the folder" in r.stderr
    assert "Uvicorn running" not in r.stderr  # refused before the server starts


def _settings(store: Store, folder: Path, cache: Path) -> Settings:
    return Settings(DatabaseSettings(database_url=store.url),
                    TerritorySettings(territory_dir=folder, cache_dir=cache),
                    ApiSettings(coordinator_token=TOKEN))


def test_the_app_refuses_to_start_notes_stop_nothing(store: Store, tmp_path: Path,
                                                     cache_dir: Path) -> None:
    folder = _broken(tmp_path / "t")
    with pytest.raises(DataError, match="has 2 problem\\(s\\); the service does not start") \
            as info, TestClient(create_app(_settings(store, folder, cache_dir))):
        pass
    assert MARKET_DAYS in str(info.value)
    # hours not understood are a note: the folder serves, the note is kept
    notes = copy(tmp_path / "n")
    _edit(notes / "points_of_sale.geojson", 0, opening_hours="Lu-Sa 8h-19h")
    report = check_territory_cached(notes, cache_dir=cache_dir)
    assert report.ok and [n.message for n in report.notes] == [
        "row 1, opening_hours: opening_hours 'Lu-Sa 8h-19h' not understood from character 1 "
        "('Lu-Sa 8h-19h')"]
    with TestClient(create_app(_settings(store, notes, cache_dir))) as client:
        assert client.get("/api/territory").status_code == 200


def test_the_check_is_remembered_until_a_file_changes(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copy(tmp_path / "t")
    cache = tmp_path / "cache"
    first = check_territory_cached(folder, cache_dir=cache)
    assert first.ok and first.counts["points_of_sale"] == 529
    calls: list[Path] = []
    real = territory_check.check_territory

    def counted(directory: Path | str) -> territory_check.TerritoryReport:
        calls.append(Path(directory))
        return real(directory)

    monkeypatch.setattr(territory_check, "check_territory", counted)
    again = check_territory_cached(folder, cache_dir=cache)
    # remembered: the check itself did not run again
    assert calls == [] and again.counts == first.counts and again.ok
    # a changed file (size or time): checked again, and the problem is seen
    _edit(folder / "markets.geojson", 2, opening_hours=...)
    changed = check_territory_cached(folder, cache_dir=cache)
    assert len(calls) == 1 and not changed.ok
    assert any(MARKET_DAYS in str(p) for p in changed.problems)
    # a folder with problems is not remembered: fixed, it is checked again and passes
    _edit(folder / "markets.geojson", 2, opening_hours="Sa 07:00-13:00")
    assert check_territory_cached(folder, cache_dir=cache).ok and len(calls) == 2
    # the bundled folder, in a cache that cannot be written: checked, nothing kept
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert check_territory_cached(BUNDLED_TERRITORY_DIR, cache_dir=blocked).ok
    assert len(calls) == 3
