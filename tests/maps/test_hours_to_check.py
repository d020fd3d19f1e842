"""A place whose hours OSM's parser does not understand: the member map says the hours are
to be checked, in French, shows them as written, and never calls the place open or closed."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from geo_caisse.core.settings import DatabaseSettings
from geo_caisse.storage import make_engine, writer_sessions
from geo_caisse.storage.layers import PointOfSaleRepository
from tests.maps.conftest import Site
from tests.utils.browser import ready, small_targets, view

NOT_OSM = "Lu-Sa 8h-19h"


def _places(site: Site) -> list[dict[str, Any]]:
    request = urllib.request.Request(site.base + "/api/places", method="POST",
                                     data=json.dumps({"max_walk_min": None}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as r:
        return list(json.loads(r.read())["places"])


def _set_hours(site: Site, pos_id: int, hours: str | None) -> None:
    engine = make_engine(DatabaseSettings(database_url=site.url))
    try:
        sessions = writer_sessions(engine)
        with sessions() as session:
            PointOfSaleRepository(session).set_opening_hours(pos_id, hours)
            session.commit()
    finally:
        engine.dispose()


def test_hours_not_understood_read_to_be_checked(site: Site, browser: Any) -> None:
    # the last shop without hours (the suggestions test takes the first one)
    target = [p for p in _places(site)
              if p["kind"] != "market" and p["status"]["state"] == "unknown"][-1]
    _set_hours(site, target["id"], NOT_OSM)
    try:
        place = next(p for p in _places(site) if p["key"] == target["key"])
        assert place["status"]["state"] == "to_check"
        assert place["hours_fr"] == f"{NOT_OSM} (à vérifier)"
        for phone in (False, True):
            with view(browser, "membre-horaires-a-verifier" + ("-tel" if phone else ""),
                      phone=phone) as page:
                page.goto(site.base + f"/?lieu={target['key']}")
                ready(page)
                page.wait_for_selector(".leaflet-popup-content h2")
                text = page.locator(".leaflet-popup-content").inner_text()
                assert "horaires à vérifier" in text
                assert f"Jours et horaires : {NOT_OSM} (à vérifier)" in text
                assert "ouvert" not in text.lower() and "fermé" not in text.lower()
                assert not small_targets(page)
        # asked for a day and a time, the place does not answer
        request = urllib.request.Request(
            site.base + "/api/places", method="POST",
            data=json.dumps({"max_walk_min": None, "when": "Mo 10:00"}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as r:
            keys = {p["key"] for p in json.loads(r.read())["places"]}
        assert target["key"] not in keys
    finally:
        _set_hours(site, target["id"], None)
