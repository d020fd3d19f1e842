"""The pages to pay, cash in, get in and manage accounts, as their users see them (desktop
and 375 px): accessible (axe-core), nothing overlapping, 44 px targets, French forms; the
member's space in English; the producer's year selector with the year's months so far."""

from __future__ import annotations

from typing import Any

from tests.maps.conftest import Site
from tests.utils.browser import axe, login, overlaps, raw_formats, ready, small_targets, view

PARTS = [".gc-title", ".gc-nav", ".gc-links", ".gc-card", "#gc-status"]


def _checked(page: Any, french: bool = True) -> None:
    assert axe(page) == []
    assert small_targets(page) == []
    if french:
        assert raw_formats(page.locator("body").inner_text()) == []


def test_the_member_space_in_french_and_english(site: Site, browser: Any) -> None:
    with view(browser, "moi") as page:
        page.goto(site.base + "/moi")
        _checked(page)                                      # the login form
        login(page, "amina")
        ready(page)
        _checked(page)
        text = page.locator("#gc-panel").inner_text()
        assert "Mes MonA" in text and "Prochaine allocation : 1er" in text
        assert "Paiement — " in text                        # a named point of sale
        page.get_by_role("button", name="Payer").click()
        page.wait_for_selector("#gc-code")
        assert "Valable encore" in page.locator("#gc-valid").inner_text()
        _checked(page)
        page.get_by_role("button", name="Masquer le code").click()
        assert page.locator("#gc-code").count() == 0
        assert page.get_by_role("button", name="Payer").is_visible()   # ready for the next
        assert page.locator("#gc-panel tbody tr:visible").count() == 20  # the latest first
        page.get_by_role("button", name="Voir les opérations plus anciennes").click()
        assert page.locator("#gc-panel tbody tr:visible").count() > 20
    with view(browser, "moi-english") as page:
        page.goto(site.base + "/moi?lang=en")
        page.get_by_label("Login").fill("amina")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        ready(page)
        text = page.locator("#gc-panel").inner_text()
        assert "My MonA" in text and "Next allocation" in text and "Paiement" not in text
        assert axe(page) == []


def test_the_till_the_welcome_and_the_coordination_pages(site: Site, browser: Any) -> None:
    # the refused payment code (409) and the unknown letter (401) are answered on purpose
    refused = ("status of 409", "status of 404", "status of 401")
    with view(browser, "encaisser", expected_errors=refused) as page:
        page.goto(site.base + "/encaisser")
        _checked(page)
        login(page, "ferme")
        ready(page)
        _checked(page)
        page.get_by_label("Code du client").fill("ABC")
        page.get_by_role("button", name="Continuer").click()
        assert "10 lettres et chiffres" in page.locator("#gc-sale-error").inner_text()
        page.get_by_label("Code du client").fill("0123456789")
        page.get_by_label("Montant (MonA)").fill("douze")
        page.get_by_role("button", name="Continuer").click()
        assert "tapez par exemple 12,50" in page.locator("#gc-sale-error").inner_text()
        page.get_by_label("Montant (MonA)").fill("3,20")
        page.get_by_role("button", name="Continuer").click()
        page.get_by_role("button", name="Confirmer").click()
        page.wait_for_function("document.getElementById('gc-sale-error').textContent.length")
        assert "Code de paiement inconnu" in page.locator("#gc-sale-error").inner_text()
    with view(browser, "bienvenue", expected_errors=refused) as page:
        page.goto(site.base + "/bienvenue#code=ZZZZ-ZZZZ-ZZZZ")
        ready(page)
        assert page.url.endswith("/bienvenue")              # the code left the address
        assert page.get_by_label("Code de votre lettre").input_value() == "ZZZZ-ZZZZ-ZZZZ"
        page.get_by_role("button", name="Continuer").click()
        page.wait_for_function("document.getElementById('gc-code-error').textContent.length")
        assert "pas valable" in page.locator("#gc-code-error").inner_text()
        _checked(page)
    for path, ready_on in (("/coordination/comptes", "#gc-h-accounts"),
                           ("/coordination/tresorerie", "#gc-h-budget")):
        with view(browser, path.strip("/").replace("/", "-")) as page:
            page.goto(site.base + path)
            _checked(page)
            login(page, "coord")
            page.wait_for_selector(ready_on, timeout=60_000)
            ready(page)
            _checked(page)
            page.set_viewport_size({"width": 375, "height": 812})
            assert overlaps(page, PARTS) == [], path
            page.wait_for_timeout(300)
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, path


def test_the_producer_reads_a_complete_year_and_this_years_months(site: Site,
                                                                 browser: Any) -> None:
    with view(browser, "producteur-annees") as page:
        page.goto(site.base + "/producteur")
        login(page, "ferme")
        ready(page)
        assert page.get_by_label("Année").input_value() == "2025"   # the latest complete
        text = page.locator("#gc-panel").inner_text()
        assert "MonA reçues (2025)" in text and "2026 jusqu'ici" in text
        assert "novembre 2026" in text and "décembre 2026" not in text   # months over only
        assert "100,80 MonA" in text                         # 12 × 8,40 in November
        page.get_by_label("Année").select_option("2026")
        page.wait_for_function("document.getElementById('gc-panel').textContent"
                               ".includes('MonA reçues (2026)')")
        assert raw_formats(page.locator("body").inner_text()) == []
