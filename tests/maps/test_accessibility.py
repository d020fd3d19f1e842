"""axe-core's WCAG 2 A/AA rules (contrast, labels, names, language, landmarks) on every
page, as it stands when a person uses it: the member map with an answer open, its
suggestion form, its English and embedded forms; each logged-in page before and after login."""

from __future__ import annotations

from typing import Any

from tests.maps.conftest import Site
from tests.utils.browser import axe, login, ready, view


def test_the_member_map_passes_an_accessibility_audit(site: Site, browser: Any) -> None:
    with view(browser, "audit-membre") as page:
        page.goto(site.base + "/")
        ready(page)
        assert axe(page) == []
        box = page.get_by_role("combobox", name="Adresse ou lieu")
        box.fill("12 rue de la loge")
        page.wait_for_selector("#gc-suggestions li[id]")
        assert axe(page) == []                                  # the suggestions open
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_selector("#gc-near li", timeout=30_000)
        page.locator("#gc-near .gc-entry").first.click()
        page.wait_for_selector(".leaflet-popup-content h2")
        page.wait_for_timeout(400)                              # the popup has faded in
        assert axe(page) == []                                  # the list and a popup
        page.get_by_role("tab", name="Tous les lieux").click()
        assert axe(page) == []
        # every form control has an accessible name
        unnamed = page.evaluate("""() => [...document.querySelectorAll('input, select, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim() && !e.getAttribute('title'))
            .map(e => e.outerHTML.slice(0, 80))""")
        assert unnamed == []
        page.get_by_role("link", name="Proposer un lieu").click()
        assert page.get_by_role("dialog").is_visible()
        assert axe(page) == []                                  # the suggestion form
        page.keyboard.press("Escape")
        assert page.get_by_role("dialog").is_hidden()


def test_english_and_embedded_member_maps_pass(site: Site, browser: Any) -> None:
    for path in ("/?lang=en", "/?embed=1"):
        with view(browser, "audit-membre-" + path.strip("/?").replace("=", "-")) as page:
            page.goto(site.base + path)
            ready(page)
            assert axe(page) == [], path


def test_logged_in_pages_pass_before_and_after_login(site: Site, browser: Any) -> None:
    for path, user, wait in (("/coordination", None, "#gc-candidates button"),
                             ("/coordination/recrutement", "coord", "#gc-result ol li"),
                             ("/coordination/mona", "coord", "#gc-summary h2"),
                             ("/coordination/propositions", "coord", "#gc-queue"),
                             ("/producteur", "ferme", "#gc-panel table tr td")):
        with view(browser, "audit-" + path.strip("/").replace("/", "-")) as page:
            page.goto(site.base + path)
            if user:
                assert axe(page) == [], path                    # the login form
                page.get_by_role("button", name="Se connecter").click()
                assert "Identifiant" in page.locator("#gc-login-error").inner_text() or \
                    page.locator("#gc-user:invalid").count() == 1   # said, not silent
                login(page, user)
            page.wait_for_selector(wait, timeout=60_000)
            assert axe(page) == [], path
