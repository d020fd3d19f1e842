"""The recruitment and producer pages in a real browser (Debian's headless Chromium driven by
Playwright), on a running server with a SYNTHETIC year and volunteers. Screenshots go to
``test-artifacts/`` (or ``GEO_CAISSE_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.layers.loading import init_store
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.stores import PASSWORD, TESTS_DIR

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

ARTIFACTS = Path(os.environ.get("GEO_CAISSE_ARTIFACTS", "test-artifacts"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, territory: Territory,
           cache_dir: Path) -> Iterator[tuple[str, int]]:
    import uvicorn

    from api.main import create_app

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests (scripts/bootstrap.sh "
                    "--test installs it)")
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'store.sqlite'}"
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), territory, progress=lambda m: None)
    writer = writer_sessions(engine)
    sim = simulate_year(writer, territory, year=2025, members=400, seed=5)
    import_transactions(writer, sim.csv_bytes, source="synthetic.csv")
    register_volunteers(writer, territory, simulate_volunteers(
        territory, n=300, seed=2, registered_on=date(2025, 1, 6)))
    with session_factory(engine)() as s:
        shop = s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id)).first()
    create_user(writer, username="coord", password=PASSWORD, role="coordinator")
    create_user(writer, username="ferme", password=PASSWORD, role="producer",
                     point_of_sale_id=shop)
    engine.dispose()
    settings = Settings(DatabaseSettings(database_url=url), TerritorySettings(cache_dir=cache_dir),
                        ApiSettings())
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", int(shop or 0)
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright import sync_api  # a development dependency: missing, the run fails

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, errors: list[str]):  # type: ignore[no-untyped-def]
    """A page with no internet: any request leaving 127.0.0.1 is refused and reported as an
    error (so every view is checked to work offline: no tiles, no CDN, no geocoder)."""
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def offline(route, request) -> None:  # type: ignore[no-untyped-def]
        if request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            errors.append(f"request to the internet: {request.url}")
            route.abort()
    page.route("**/*", offline)
    return page


@contextmanager
def view(browser, screenshot: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """An offline page; on leaving, its screenshot is written to the artefacts and it must
    have logged no console error and asked nothing of the internet."""
    errors: list[str] = []
    page = _page(browser, errors)
    try:
        yield page
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot))
        assert errors == []
    finally:
        page.close()


def _login(page, user: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_coordinator_targets_recruitment_on_the_map(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with view(browser, "recrutement.png") as page:
        page.goto(base + "/coordination/recrutement")
        _login(page, "coord")
        page.wait_for_selector("#gc-result ol li", timeout=60_000)
        items = page.locator("#gc-result ol li")
        assert items.count() == 5
        assert "habitants de plus" in items.first.inner_text()
        assert "MonA/mois" in items.first.inner_text()
        assert page.locator(".gc-rank").count() == 5          # the chosen places on the map
        assert "Optimum exact" in page.locator("#gc-result").inner_text()
        coverage = page.locator("#gc-coverage").inner_text()
        assert "Couverture des strates" in coverage and "Q1 · <30" in coverage
        # the interactive mode, with fewer places
        page.locator("#gc-k").fill("3")
        page.locator("#gc-mode").select_option("interactive")
        page.get_by_role("button", name="Calculer").click()
        page.wait_for_function("document.querySelectorAll('#gc-result ol li').length === 3")
        assert "Mode interactif" in page.locator("#gc-result").inner_text()


def test_producer_sees_its_demand(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with view(browser, "producteur.png") as page:
        page.goto(base + "/producteur")
        _login(page, "ferme")
        page.wait_for_selector("#gc-panel table tr td", timeout=60_000)
        rows = page.locator("#gc-panel table").first.locator("tr")
        assert rows.count() == 4  # header + 5, 10, 15 minutes
        assert page.locator("#gc-panel table").nth(1).locator("tr").count() == 12  # months
        text = page.locator("#gc-panel").inner_text()
        assert "15 min" in text and "MonA reçues" in text
        assert "Membres comptés par zones entières d'au moins 11" in text
        assert "Par mois" in text


def test_coordinator_follows_the_mona(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with view(browser, "mona.png") as page:
        page.goto(base + "/coordination/mona")
        _login(page, "coord")
        page.wait_for_selector("#gc-summary h2", timeout=60_000)
        summary = page.locator("#gc-summary").inner_text()
        assert "Où va la MonA" in summary and "Budget" in summary
        page.wait_for_function("document.getElementById('gc-status').textContent"
                               ".includes('au moins 11 membres')")
        assert "SYNTHÉTIQUES" in page.locator("#gc-status").inner_text()
        assert page.locator("path.leaflet-interactive").count() > 0   # areas and flow lines


def test_member_searches_an_address_and_walks_to_a_market(server, browser) -> None:  # type: ignore[no-untyped-def]
    """No login: type an address, pick it with the keyboard, see the nearest conventionnés
    by walking time (a market's stall among them) and the route on the map."""
    base, _ = server
    with view(browser, "membre-telephone.png") as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/")
        page.wait_for_selector("body[data-gc-ready='1']", timeout=60_000)
        box = page.get_by_role("combobox", name="Adresse ou lieu")
        box.fill("boulevard des arceaux")
        page.wait_for_selector("#gc-suggestions li[id]")
        assert "Boulevard des Arceaux" in page.locator("#gc-suggestions").inner_text()
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_selector("#gc-walk li", timeout=30_000)
        walk = page.locator("#gc-walk").inner_text()
        assert "min à pied" in walk
        assert "Marché des Arceaux" in walk          # a conventionné stall of the market
        assert page.locator("path.leaflet-interactive").count() > 0  # the route
        # neither the address nor the place appears in a URL (no query string carries them)
        assert not any("arceaux" in u.lower() or "lon=" in u for u in requests)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "membre-recherche.png"))
        # small screen: the search stays usable
        page.set_viewport_size({"width": 375, "height": 700})
        assert box.is_visible()


def test_coordinator_opens_the_deserts_and_runs_a_what_if(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with view(browser, "coordination-deserts.png") as page:
        page.goto(base + "/coordination/recrutement")
        _login(page, "coord")
        page.wait_for_selector("#gc-result ol li", timeout=60_000)
        page.get_by_role("link", name="Déserts alimentaires").click()
        page.wait_for_selector("body[data-gc-ready='1']", timeout=60_000)
        assert "En désert alimentaire" in page.content() or \
            "désert alimentaire" in page.locator("#gc-summary").inner_text()
        assert page.locator("path.leaflet-interactive").count() > 100   # the desert cells
        page.wait_for_selector("#gc-candidates button")
        first = page.locator("#gc-candidates button").first
        name = first.inner_text()
        first.click()
        page.wait_for_selector("#gc-whatif .gc-result", timeout=30_000)
        result = page.locator("#gc-whatif").inner_text()
        assert "Conventionner " + name in result and "Sortent du désert alimentaire" in result
        # the printable map of the layer shown, with its threshold
        link = page.get_by_role("link", name="PDF").first
        assert "/api/print/deserts.pdf?threshold_min=10" in (link.get_attribute("href") or "")
        printed = page.request.get(base + (link.get_attribute("href") or ""))
        assert printed.ok and printed.body()[:5] == b"%PDF-"


def test_member_map_in_english_and_keyboard_only(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with view(browser, "member-english.png") as page:
        page.goto(base + "/")
        page.wait_for_selector("body[data-gc-ready='1']", timeout=60_000)
        page.get_by_role("link", name="English").click()
        page.wait_for_selector("body[data-gc-ready='1']", timeout=60_000)
        assert page.locator("html").get_attribute("lang") == "en"
        assert "to pay in MonA" in page.locator("#gc-status").inner_text()
        # every form control has an accessible name
        unnamed = page.evaluate("""() => [...document.querySelectorAll('input, select, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim() && !e.getAttribute('title'))
            .map(e => e.outerHTML.slice(0, 80))""")
        assert unnamed == []
        # keyboard only: Tab to the search box, type, choose with the arrows
        box = page.get_by_role("combobox", name="Address or place")
        box.focus()
        page.keyboard.type("1 place de la comedie")
        page.wait_for_selector("#gc-suggestions li[id]")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_selector("#gc-walk li", timeout=30_000)
        walk = page.locator("#gc-walk").inner_text()
        assert "On foot from here" in walk and "min walk" in walk


AXE = TESTS_DIR / "vendor" / "axe-core" / "axe.min.js"


def _axe(page) -> list[str]:  # type: ignore[no-untyped-def]
    """WCAG 2 A and AA violations axe-core finds on the page (the map's own tiles excluded)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
                                                      values: ['wcag2a', 'wcag2aa']}});
        return r.violations.map(v => v.id + ': ' + v.help + ' — ' +
                                     v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return list(found)


def test_pages_pass_an_accessibility_audit(server, browser) -> None:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2 A/AA rules (contrast, labels, names, language) on the member map
    with a walking answer open, and on the coordinators' desert page."""
    base, _ = server
    with view(browser, "membre-audit.png") as page:
        page.goto(base + "/")
        page.wait_for_selector("body[data-gc-ready='1']", timeout=60_000)
        box = page.get_by_role("combobox", name="Adresse ou lieu")
        box.fill("12 rue de la loge")
        page.wait_for_selector("#gc-suggestions li[id]")
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_selector("#gc-walk li", timeout=30_000)
        assert _axe(page) == []
    with view(browser, "coordination-audit.png") as page:
        page.goto(base + "/coordination")
        page.wait_for_selector("body[data-gc-ready='1']", timeout=60_000)
        assert _axe(page) == []


def test_logged_in_pages_pass_an_accessibility_audit(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    for path, user, ready in (("/coordination/recrutement", "coord", "#gc-result ol li"),
                              ("/coordination/mona", "coord", "#gc-summary h2"),
                              ("/producteur", "ferme", "#gc-panel table tr td")):
        with view(browser, "audit-" + path.strip("/").replace("/", "-") + ".png") as page:
            page.goto(base + path)
            assert _axe(page) == []          # the login form
            _login(page, user)
            page.wait_for_selector(ready, timeout=60_000)
            assert _axe(page) == [], path
