"""Pages as a person uses them: Debian's headless Chromium driven by Playwright, offline.

``view`` opens a page (optionally a phone, a position, a language) whose requests may only go
to the test server: anything asking the internet is refused and reported, as is any console
error. On leaving, it writes the page's screenshots to ``test-artifacts/`` (or
``GEO_CAISSE_ARTIFACTS``): as seen, and at 375 px wide when the view was a desktop one, so
that every page can be looked at on both.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.utils.stores import PASSWORD, TESTS_DIR

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("GEO_CAISSE_ARTIFACTS", "test-artifacts"))
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
AXE = TESTS_DIR / "vendor" / "axe-core" / "axe.min.js"
#: records every text the page draws on a canvas (the base map's labels are drawn so)
RECORD_CANVAS_TEXT = """
(() => {
  window.__gcDrawn = [];
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__gcDrawn.push(String(text));
    return fill.call(this, text, ...rest);
  };
})();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port, in a thread: its base URL."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def post_json(base: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    """POST ``body`` as JSON to a served app (what a test sets up outside the browser)."""
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as r:
        return json.loads(r.read())


def token_of(base: str, user: str) -> str:
    """A served app's login token for ``user`` (the tests' password)."""
    data = urllib.parse.urlencode({"username": user, "password": PASSWORD}).encode()
    with urllib.request.urlopen(base + "/api/token", data=data) as r:
        return str(json.loads(r.read())["access_token"])


@contextmanager
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests "
                    "(scripts/test.sh installs it)")
    from playwright import sync_api  # a development dependency: missing, the run fails

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


#: every URL but the local site's and the page's own data (what ``view`` refuses)
NOT_LOCAL = re.compile(r"^(?!http://127\.0\.0\.1:|data:|blob:|about:)")


@contextmanager
def view(browser: Any, screenshot: str, *, phone: bool = False, full_page: bool = True,
         expected_errors: tuple[str, ...] = (), **context: Any) -> Iterator[Any]:
    """An offline page (``context``: Playwright's context options, e.g. a geolocation).
    On leaving, its screenshots are written (the whole page, or what the screen shows when
    not ``full_page``: the API's reference is tens of thousands of pixels tall) and it must
    have logged no console error (but those holding one of ``expected_errors``: a network
    cut on purpose) and asked nothing of the internet."""
    errors: list[str] = []
    ctx = browser.new_context(viewport=PHONE if phone else DESKTOP, locale="fr-FR",
                              timezone_id="Europe/Paris", **context)
    ctx.add_init_script(RECORD_CANVAS_TEXT)
    page = ctx.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def offline(route: Any, request: Any) -> None:
        errors.append(f"request to the internet: {request.url}")
        route.abort()
    # only what is not the local site is intercepted (the pattern is matched in the
    # browser): the site's own requests, tiles included, never wait on this process
    ctx.route(NOT_LOCAL, offline)
    try:
        yield page
        ARTIFACTS.mkdir(exist_ok=True)
        stem = screenshot.removesuffix(".png")
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=full_page)
        if not phone:
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / f"{stem}-375.png"), full_page=full_page)
        assert [e for e in errors if not any(x in e for x in expected_errors)] == [], errors
    finally:
        ctx.close()


def login(page: Any, user: str) -> None:
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def ready(page: Any, timeout: float = 60_000) -> None:
    """Wait until the page's script says its data is shown (``body[data-gc-ready='1']``)."""
    page.wait_for_selector("body[data-gc-ready='1']", timeout=timeout)


def axe(page: Any) -> list[str]:
    """WCAG 2 A and AA violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
                                                      values: ['wcag2a', 'wcag2aa']}});
        return r.violations.map(v => v.id + ': ' + v.help + ' — ' +
                                     v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return list(found)


def overlaps(page: Any, selectors: list[str]) -> list[str]:
    """The pairs of visible elements among ``selectors`` whose boxes intersect (one inside
    another does not count: a status line in its panel)."""
    found = page.evaluate("""(sels) => {
        const boxes = [];
        for (const s of sels) {
          for (const e of document.querySelectorAll(s)) {
            const r = e.getBoundingClientRect(), st = getComputedStyle(e);
            if (r.width && r.height && st.visibility !== 'hidden' && st.display !== 'none')
              boxes.push([s, r, e]);
          }
        }
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const [s1, a, e1] = boxes[i], [s2, b, e2] = boxes[j];
          if (e1.contains(e2) || e2.contains(e1)) continue;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 0.5 && h > 0.5) out.push(s1 + ' × ' + s2);
        }
        return out;
    }""", selectors)
    return list(found)


def small_targets(page: Any, minimum: float = 44) -> list[str]:
    """Visible controls (buttons, fields, menus, navigation and map controls) less than
    ``minimum`` px high: touch targets too small (WCAG 2.5.5). Links inside text and
    check boxes (whose label is the target) are exempt."""
    found = page.evaluate("""(min) => [...document.querySelectorAll(
            'button, select, input:not([type=checkbox]):not([type=radio]), .gc-nav a, ' +
            '.gc-links a, .leaflet-bar a, label.gc-check, [role=tab]')]
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width > 0 && r.height > 0 && r.height < min - 0.5; })
        .map(e => e.outerHTML.slice(0, 90) + ' (' +
                  Math.round(e.getBoundingClientRect().height) + ' px)')""", minimum)
    return list(found)


#: what a French page must not print: decimal points, ISO months, stratum codes, English
RAW_ON_A_FRENCH_PAGE = {
    "decimal point": r"\d\.\d+\s?(€|min|MonA|%|km|m\b)",
    "ISO month or date": r"\b20\d\d-\d\d\b",
    "stratum code": r"\bQ[1-4]\s?[|·]\s?(<|≥)?\d",
    "English": r"\b(wrong username|password|not found|error|minutes walk|members)\b",
    "hyphen as minus": r"(^|\s)-\d",
}


def raw_formats(text: str) -> list[str]:
    """What in ``text`` (a French page's visible text) is not written in French."""
    import re

    return [f"{what}: {m.group(0)!r}" for what, pattern in RAW_ON_A_FRENCH_PAGE.items()
            for m in re.finditer(pattern, text)]
