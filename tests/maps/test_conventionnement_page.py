"""The committee decides a conventionnement from the web app, in Chromium, offline, on
SpatiaLite and on PostGIS: a place suggested by the public becomes a candidate with its
dossier; a committee member reads what conventioning it would change, answers criteria,
adds a document and records the decision with its votes; the history shows who decided, and
the member map shows the place where members can pay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.storage import writer_sessions
from tests.utils.browser import (
    ARTIFACTS,
    axe,
    login,
    overlaps,
    post_json,
    raw_formats,
    ready,
    serving,
    small_targets,
    token_of,
    view,
)
from tests.utils.stores import PASSWORD, Store

LON, LAT = 3.8775, 43.6096       # rue de la Loge, in the centre


def test_from_a_suggestion_to_a_conventionne_on_the_member_map(store: Store, cache_dir: Path,
                                                               browser: Any) -> None:
    from api.main import create_app

    sessions = writer_sessions(store.engine)
    create_user(sessions, username="coord", password=PASSWORD, role="coordinator")
    create_user(sessions, username="comite", password=PASSWORD, role="committee")
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(cache_dir=cache_dir), ApiSettings())
    tag = store.backend
    with serving(create_app(settings)) as base:
        made = post_json(base, "/api/suggestions", {"kind": "new_place", "name": "Épicerie Sésame",
                                                "place_kind": "epicerie",
                                                "address": "3 rue de la Loge"})
        accepted = post_json(base, f"/api/suggestions/{made['id']}/accept",
                         {"lon": LON, "lat": LAT, "opening_hours": "Mo-Su 00:00-24:00"},
                         token_of(base, "coord"))
        key = f"point_of_sale:{accepted['point_of_sale']['properties']['id']}"
        # not on the member map while it is a candidate
        with view(browser, f"conventionnement-{tag}-0-avant") as page:
            page.goto(base + f"/?lieu={key}")
            ready(page)
            assert page.locator(".leaflet-popup").count() == 0
        with view(browser, f"conventionnement-{tag}-1-liste") as page:
            page.goto(base + "/coordination/conventionnement")
            login(page, "comite")
            ready(page)
            assert "Critères indicatifs" in page.locator("#gc-panel").inner_text()
            entry = page.get_by_role("button", name="Épicerie Sésame")
            assert "À instruire" in page.locator(".gc-dossiers li", has=entry).inner_text()
            assert axe(page) == [] and small_targets(page) == []
            assert raw_formats(page.locator("body").inner_text()) == []
        with view(browser, f"conventionnement-{tag}-2-dossier") as page:
            page.goto(base + "/coordination/conventionnement")
            login(page, "comite")
            ready(page)
            page.get_by_role("button", name="Épicerie Sésame").click()
            page.wait_for_selector("#gc-h-dossier")
            assert "suggestion du public" in page.locator("#gc-panel").inner_text()
            page.wait_for_function("document.getElementById('gc-effect').textContent"
                                   ".includes('Désert alimentaire')", timeout=60_000)
            effect = page.locator("#gc-effect").inner_text()
            assert "Le conventionner mettrait" in effect and "moins de 10 minutes" in effect
            # two criteria, a document
            page.locator("#gc-s-acces-handicap").select_option("met")
            page.locator("#gc-m-acces-handicap").fill("rampe à l'entrée")
            page.locator("#gc-s-exclusions").select_option("met")
            page.get_by_role("button", name="Enregistrer les critères").click()
            page.wait_for_function("document.getElementById('gc-status').textContent"
                                   " === '2 critères enregistrés'")
            assert page.locator("#gc-m-acces-handicap").input_value() == "rampe à l'entrée"
            assert "comite" in page.locator(".gc-criterion[data-key=acces-handicap]").inner_text()
            page.get_by_label("Référence d'une pièce").fill("compte rendu de visite n° 7")
            page.get_by_role("button", name="Ajouter la pièce").click()
            page.wait_for_function("document.getElementById('gc-status').textContent"
                                   " === 'Pièce ajoutée'")
            # the decision, confirmed
            page.get_by_role("button", name="Enregistrer la décision").click()
            assert "Choisissez" in page.locator("#gc-decide-error").inner_text()
            page.get_by_label("Conventionner").check()
            page.get_by_label("Date de la décision").fill("2026-12-10")
            page.get_by_label("Pour").fill("9")
            page.get_by_label("Contre").fill("2")
            page.get_by_label("Abstentions").fill("1")
            page.get_by_role("button", name="Enregistrer la décision").click()
            assert "payer en MonA" in page.locator("#gc-confirm").inner_text()
            page.get_by_role("button", name="Confirmer").click()
            page.wait_for_function("document.getElementById('gc-status').textContent"
                                   ".includes('Décision enregistrée : conventionné')")
            text = page.locator("#gc-panel").inner_text()
            assert "Conventionné au comité du 10 décembre 2026 (9 pour, 2 contre, 1 abstention)" \
                in text
            assert "candidat → conventionné (comite, décision du comité" in text
            assert axe(page) == [] and small_targets(page) == []
            assert raw_formats(text) == []
            desktop = ARTIFACTS / f"conventionnement-{tag}-2-dossier-bureau.png"
            page.screenshot(path=str(desktop), full_page=True)
            page.set_viewport_size({"width": 375, "height": 812})
            page.evaluate("document.getElementById('gc-side').scrollTop = 0")
            page.wait_for_timeout(300)
            assert overlaps(page, [".gc-title", ".gc-nav", "#gc-status", ".gc-card"]) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # members can pay there now: the member map opens on it
        with view(browser, f"conventionnement-{tag}-3-carte") as page:
            page.goto(base + f"/?lieu={key}")
            ready(page)
            page.wait_for_selector(".leaflet-popup-content h2")
            assert page.locator(".leaflet-popup-content h2").inner_text() == "Épicerie Sésame"
