"""The committee plans its budget from the web app, in Chromium, offline, on SpatiaLite and
on PostGIS: an 800-member scenario with the State topping up half of the contributions and a
pledged fund; the gap to fund read on screen against a hand computation; saved, downloaded as
CSV and PDF."""

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
    raw_formats,
    ready,
    serving,
    small_targets,
    view,
)
from tests.utils.stores import PASSWORD, Store

PARTS = [".gc-title", ".gc-nav", ".gc-card", "#gc-status"]


def _euros(amount: int) -> str:
    """240000 -> '240 000,00 €' as Chromium's fr-FR writes it (narrow no-break spaces)."""
    return f"{amount:,}".replace(",", "\u202f") + ",00\u00a0€"


def test_an_800_member_scenario_and_its_funding_gap(store: Store, cache_dir: Path,
                                                    browser: Any) -> None:
    from api.main import create_app

    create_user(writer_sessions(store.engine), username="comite", password=PASSWORD,
                role="committee")
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(cache_dir=cache_dir), ApiSettings())
    # by hand: 800 members × 100 € × 12 months = 960 000 € of MonA a year; the illustrative
    # contributions 10, 30, 60 and 100 € a month, a quarter of the members in each quartile,
    # average 50 €: 800 × 50 × 12 = 480 000 €; the State adds half: 240 000 €; the
    # Métropole pledged 100 000 €: 960 000 − 480 000 − 240 000 − 100 000 = 140 000 € to find
    gap = 960_000 - 800 * 50 * 12 - 800 * 50 * 12 // 2 - 100_000
    assert gap == 140_000
    with serving(create_app(settings)) as base, \
            view(browser, f"budget-{store.backend}") as page:
        page.goto(base + "/coordination/budget")
        login(page, "comite")
        ready(page)
        assert axe(page) == [] and small_targets(page) == []
        page.get_by_role("button", name="800 membres").click()
        assert page.get_by_label("Nombre de membres").input_value() == "800"
        page.get_by_label("Abondement de l'État (% des cotisations)").fill("50")
        page.get_by_label("Financeur").fill("Métropole")
        page.get_by_label("Montant par an (€)").fill("100 000")
        page.get_by_role("button", name="Ajouter ce financement").click()
        # a wrong share is named before anything is computed
        page.locator("#gc-share-0").fill("30")
        page.get_by_role("button", name="Calculer").click()
        assert "doivent faire 100 %" in page.locator("#gc-error").inner_text()
        page.get_by_role("button", name="Un quart des membres dans chaque quart").click()
        page.get_by_role("button", name="Calculer").click()
        page.wait_for_selector("#gc-gap")
        assert page.locator("#gc-gap").inner_text() == _euros(gap)
        result = page.locator("#gc-result").inner_text()
        assert _euros(960_000) in result and _euros(480_000) in result
        assert _euros(240_000) in result and "4 fois ce budget" in result
        spaced = result.replace("\u202f", " ").replace("\u00a0", " ")
        assert "Reste à financer : 14,6 %" in spaced and "Métropole : 10,4 %" in spaced
        page.get_by_label("Nom du scénario").fill("800 membres avec l'État")
        page.get_by_role("button", name="Enregistrer le scénario").click()
        page.wait_for_function("document.getElementById('gc-status').textContent"
                               ".includes('enregistré')")
        saved = page.locator("#gc-saved").inner_text()
        assert "800 membres avec l'État" in saved and _euros(gap) in saved
        with page.expect_download() as got:
            page.get_by_role("button", name="Tableur (CSV)").click()
        csv = Path(got.value.path()).read_bytes().decode("utf-8-sig")
        assert "Reste à financer par an (€);140\u202f000,00" in csv
        with page.expect_download() as got:
            page.get_by_role("button", name="Imprimer (PDF)").click()
        assert Path(got.value.path()).read_bytes()[:5] == b"%PDF-"
        assert axe(page) == [] and small_targets(page) == []
        assert raw_formats(page.locator("body").inner_text()) == []
        desktop = ARTIFACTS / f"budget-{store.backend}-bureau.png"
        page.screenshot(path=str(desktop), full_page=True)
        page.set_viewport_size({"width": 375, "height": 812})
        page.wait_for_timeout(300)
        assert overlaps(page, PARTS) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
