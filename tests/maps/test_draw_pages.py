"""The public draw as people do it, in Chromium, offline, on SpatiaLite and on PostGIS: a
coordinator reads the quotas and the waiting volunteers (never a count under 11), types a
seed from a public lottery, confirms and draws; opens the draw's public page without a
login, clicks "Vérifier" and reads that it matches, downloads the observers' CSV (the
published fingerprint recomputed from it); back on the page, sends the entrants' letters
(a PDF, one code each). Both pages axe-clean, no console error, at 375 px and desktop."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.draw import list_hash, read_volunteers
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.storage import writer_sessions
from tests.utils.browser import (
    axe,
    login,
    overlaps,
    raw_formats,
    ready,
    serving,
    small_targets,
    view,
)
from tests.utils.stores import PASSWORD, Store

SEED = "712253144"   # a lottery's numbers end to end


def test_a_draw_held_from_the_page_is_verified_on_its_public_page(
        store: Store, territory: Territory, cache_dir: Path, browser: Any,
        tmp_path: Path) -> None:
    from api.main import create_app

    sessions = writer_sessions(store.engine)
    register_volunteers(sessions, territory, simulate_volunteers(
        territory, n=120, seed=11, registered_on=date(2026, 1, 5)))
    create_user(sessions, username="coord", password=PASSWORD, role="coordinator")
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(cache_dir=cache_dir), ApiSettings())
    tag = store.backend
    with serving(create_app(settings)) as base:
        for phone in (False, True):
            with view(browser, f"tirage-{tag}-preparation" + ("-phone" if phone else ""),
                      phone=phone) as page:
                page.goto(base + "/coordination/tirage")
                login(page, "coord")
                ready(page)
                table = page.locator("#gc-plan")
                assert table.locator("tbody tr").count() == 12
                text = table.inner_text()
                assert "revenus du 1er quartile, moins de 30 ans" in text
                # a waiting count is at least 11, or said in words
                for cell in table.locator("tbody tr td:nth-child(4)").all_inner_texts():
                    assert cell.startswith(("moins de 11", "masqué")) or \
                        int(cell.replace("\u202f", "").replace("\xa0", "")) >= 11, cell
                assert page.locator("nav a[aria-current='page']").inner_text() == \
                    "Tirage au sort"
                assert axe(page) == []
                assert small_targets(page) == []
                assert raw_formats(page.locator("main").inner_text()) == []
        with view(browser, f"tirage-{tag}-1-coordination") as page:
            page.goto(base + "/coordination/tirage")
            login(page, "coord")
            ready(page)
            page.get_by_label("Nombre de places").fill("30")
            page.get_by_role("button", name="Calculer les quotas").click()
            page.wait_for_function("document.querySelector('#gc-plan caption').textContent"
                                   ".includes('30 places')")
            quotas = page.locator("#gc-plan tbody td:nth-child(3)").all_inner_texts()
            assert sum(int(q) for q in quotas) == 30, quotas
            # a seed that is not a whole number is refused next to the field
            page.get_by_label("Graine du tirage (un nombre entier)").fill("71,2")
            page.get_by_role("button", name="Tirer au sort").click()
            assert "nombre entier" in page.locator("#gc-seed-error").inner_text()
            page.get_by_role("button", name="Tirer une graine au hasard").click()
            drawn = page.get_by_label("Graine du tirage (un nombre entier)").input_value()
            assert re.fullmatch(r"\d{1,16}", drawn) and drawn in page.locator(
                "#gc-status").inner_text()
            page.get_by_label("Graine du tirage (un nombre entier)").fill(SEED)
            page.get_by_role("button", name="Tirer au sort").click()
            dialog = page.locator("#gc-confirm")
            dialog.wait_for(state="visible")
            assert SEED in dialog.inner_text() and "30 personnes" in dialog.inner_text()
            assert axe(page) == []
            page.get_by_role("button", name="Annuler").click()
            assert page.locator("#gc-draws").count() == 0      # nothing was drawn
            page.get_by_role("button", name="Tirer au sort").click()
            page.get_by_role("button", name="Confirmer le tirage").click()
            page.wait_for_selector("#gc-public")
            held = page.locator("#gc-result").inner_text()
            assert "30 personnes tirées sur 120 volontaires" in held, held
            href = page.locator("#gc-public").get_attribute("href")
            assert re.fullmatch(r"/tirage/\d+", href or "")
            assert page.locator("#gc-draws tbody tr").count() == 1
            assert axe(page) == []
            assert raw_formats(page.locator("main").inner_text()) == []
        with view(browser, f"tirage-{tag}-2-public") as page:
            page.goto(base + str(href))
            ready(page)
            main = page.locator("main").inner_text()
            assert SEED in page.locator("#gc-seed").inner_text()
            assert re.fullmatch(r"[0-9a-f]{64}", page.locator("#gc-hash").inner_text())
            assert page.locator("#gc-selected li").count() == 30
            assert "%" in page.locator("#gc-quotas").inner_text()
            assert "30 places" in main
            page.get_by_role("button", name="Vérifier").click()
            page.wait_for_selector("#gc-verified")
            verdict = page.locator("#gc-verified").inner_text()
            assert verdict.startswith("Vérifié") and "mêmes personnes" in verdict
            with page.expect_download() as got:
                page.get_by_role("link", name="Télécharger la liste des volontaires (CSV)").click()
            saved = tmp_path / "list.csv"
            got.value.save_as(saved)
            pool = read_volunteers(saved.read_bytes(), source="download")
            assert len(pool) == 120
            assert list_hash(pool) == page.locator("#gc-hash").inner_text()
            assert axe(page) == []
            assert small_targets(page) == []
            assert raw_formats(main) == []
            assert overlaps(page, ["header", "main", "footer"]) == []
        # the browser logs the page's own 404 status: that one is expected
        with view(browser, f"tirage-{tag}-3-inconnu", phone=True,
                  expected_errors=("status of 404",)) as page:
            answer = page.goto(base + "/tirage/999999")
            assert answer is not None and answer.status == 404
            assert "Ce tirage n'existe pas" in page.locator("main").inner_text()
            assert axe(page) == []
        with view(browser, f"tirage-{tag}-4-lettres", phone=True) as page:
            page.goto(base + "/coordination/tirage")
            login(page, "coord")
            ready(page)
            page.get_by_role("button", name="Envoyer les invitations aux entrants").click()
            page.wait_for_selector("#gc-letters")
            pdf = page.evaluate("""async (u) => Array.from(new Uint8Array(
                await (await fetch(u)).arrayBuffer()))""",
                                page.locator("#gc-letters").get_attribute("href"))
            assert bytes(pdf[:5]) == b"%PDF-"
            assert page.locator(".gc-invitation-code").count() == 30
            assert "30 lettres prêtes" in page.locator("#gc-status").inner_text()
            assert axe(page) == []
            # a second time, nobody is left without a letter: none is voided
            page.reload()
            ready(page)
            assert "toutes envoyées" in page.locator("#gc-draws").inner_text()
