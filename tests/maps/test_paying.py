"""The whole loop of the MonA, as people do it, on a phone, in Chromium, offline, on
SpatiaLite and on PostGIS: a coordinator holds a draw and prints an invitation for one drawn
member and one for a conventionné; the member joins at /bienvenue, sees 100 MonA and shows a
code; the vendor joins, scans the code with the camera (Chromium is fed a recorded frame of
the QR code) and cashes 12,50; the network is cut on the first attempt and the retry pays
once; the member's statement shows the vendor's name and 87,50; the vendor asks for a
reconversion, the coordinator approves it and the budget shows it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.io.qr import qr_matrix
from geo_caisse.mona.treasury import record_funding
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import TransferRow
from tests.utils.browser import ARGS, CHROMIUM, login, post_json, ready, serving, token_of, view
from tests.utils.stores import PASSWORD, Store

MONTH = f"{datetime.now(UTC):%Y-%m}"


def qr_video(text: str, path: Path, *, width: int = 640, height: int = 480) -> Path:
    """A one-frame Y4M video (what Chromium's fake camera plays) of ``text``'s QR code."""
    matrix = qr_matrix(text)
    scale = min(width, height) * 4 // 5 // matrix.shape[0]
    image = np.kron(~matrix, np.ones((scale, scale), dtype=bool)).astype(np.uint8) * 235 + 16
    luma = np.full((height, width), 235, dtype=np.uint8)
    top, left = (height - image.shape[0]) // 2, (width - image.shape[1]) // 2
    luma[top:top + image.shape[0], left:left + image.shape[1]] = image
    chroma = np.full((height // 2) * (width // 2), 128, dtype=np.uint8).tobytes()
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            f.write(b"FRAME\n" + luma.tobytes() + chroma + chroma)
    return path


@contextmanager
def camera_browser(browser: Any, video: Path) -> Iterator[Any]:
    """Another Chromium (from ``browser``'s Playwright) whose camera films ``video``."""
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        yield b
    finally:
        b.close()


def _welcome(page: Any, base: str, code: str, username: str) -> None:
    page.goto(base + "/bienvenue")
    ready(page)
    page.get_by_label("Code de votre lettre").fill(code)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Choisissez un identifiant").fill(username)
    page.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    page.get_by_label("Le mot de passe, une seconde fois").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()


def _pdf_of(page: Any, link: Any) -> bytes:
    got = page.evaluate("""async (u) => Array.from(new Uint8Array(
        await (await fetch(u)).arrayBuffer()))""", link.get_attribute("href"))
    return bytes(got)


def test_the_whole_loop_of_the_mona_on_a_phone(store: Store, territory: Territory,
                                               cache_dir: Path, browser: Any,
                                               tmp_path: Path) -> None:
    from api.main import create_app

    sessions = writer_sessions(store.engine)
    register_volunteers(sessions, territory, simulate_volunteers(
        territory, n=80, seed=4, registered_on=date(2026, 1, 5)))
    create_user(sessions, username="coord", password=PASSWORD, role="coordinator")
    record_funding(sessions, funder="public", amount_eur="2000", month=MONTH)
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(cache_dir=cache_dir), ApiSettings())
    tag = store.backend
    with serving(create_app(settings)) as base:
        coord_token = token_of(base, "coord")
        draw = post_json(base, "/api/draws", {"seats": 20, "seed": 20261201,
                                         "joined_on": f"{MONTH}-01"}, coord_token)
        assert draw["members_opened"] == 20
        # the coordinator: one member's letter, one conventionné's, and the month's MonA
        with view(browser, f"boucle-{tag}-1-comptes", phone=True) as page:
            page.goto(base + "/coordination/comptes")
            login(page, "coord")
            ready(page)
            page.locator(".gc-pick-member").first.check()
            page.get_by_role("button", name="Une lettre pour la sélection").click()
            page.wait_for_selector("#gc-letters")
            assert _pdf_of(page, page.locator("#gc-letters"))[:5] == b"%PDF-"
            member_code = page.locator(".gc-invitation-code").first.inner_text()
            page.locator(".gc-pick-pos").first.check()
            vendor_name = page.locator(".gc-pick-pos").first.locator("xpath=..").inner_text()
            page.get_by_role("button", name="Une lettre pour les points de vente cochés").click()
            page.wait_for_function("(c) => document.querySelector('.gc-invitation-code')"
                                   ".textContent !== c", arg=member_code)
            vendor_code = page.locator(".gc-invitation-code").first.inner_text()
            assert vendor_code != member_code
        with view(browser, f"boucle-{tag}-2-tresorerie", phone=True) as page:
            page.goto(base + "/coordination/tresorerie")
            login(page, "coord")
            ready(page)
            page.get_by_role("button", name="Créditer les MonA du mois").click()
            page.wait_for_function("document.getElementById('gc-alloc-result').textContent"
                                   ".includes('membres crédités')")
        # the member joins, sees 100 MonA, shows a code
        with view(browser, f"boucle-{tag}-3-membre", phone=True) as member:
            _welcome(member, base, member_code, "amina")
            member.wait_for_url("**/moi")
            ready(member)
            assert member.locator("#gc-balance").inner_text() == "100 MonA"
            member.get_by_role("button", name="Payer").click()
            member.wait_for_selector("#gc-code")
            shown = member.locator("#gc-code").inner_text()
            assert member.locator("svg.gc-qr").count() == 1
            assert "code" not in member.url and shown.replace(" ", "") not in member.url
            code = shown.replace(" ", "")
        # the vendor joins and scans the code with the camera
        video = qr_video(code, tmp_path / "qr.y4m")
        with camera_browser(browser, video) as camera, \
                view(camera, f"boucle-{tag}-4-caisse", phone=True, permissions=["camera"],
                     expected_errors=("ERR_CONNECTION_RESET",)) as till:
            _welcome(till, base, vendor_code, "ferme")
            till.wait_for_url("**/encaisser")
            ready(till)
            till.get_by_role("button", name="Scanner le QR code").click()
            till.wait_for_function("document.getElementById('gc-pay-code').value.length === 10",
                                   timeout=20_000)
            assert till.get_by_label("Code du client").input_value() == code
            till.get_by_label("Montant (MonA)").fill("12,50")
            till.get_by_role("button", name="Continuer").click()
            assert "Encaisser 12,50 MonA" in till.locator("#gc-sale").inner_text()
            cut = {"first": True}

            def lose_the_answer(route: Any) -> None:
                if cut["first"]:          # the payment reaches the server, its answer is lost
                    cut["first"] = False
                    route.fetch()
                    route.abort("connectionreset")
                else:
                    route.continue_()
            till.route("**/api/payments", lose_the_answer)
            till.get_by_role("button", name="Confirmer").click()
            till.get_by_role("button", name="Réessayer").click()
            till.wait_for_selector("#gc-receipt")
            receipt = till.locator("#gc-receipt").inner_text()
            assert "12,50 MonA" in receipt and "Reçu n°" in receipt and "amina" not in receipt
            till.wait_for_function("document.getElementById('gc-today').textContent"
                                   ".includes('1 paiement')")
            with store.sessions() as s:
                assert s.scalar(select(func.count()).select_from(TransferRow)
                                .where(TransferRow.kind == "payment")) == 1   # paid once
            # the vendor asks for a reconversion
            till.get_by_label("Montant à reconvertir (MonA)").fill("12,50")
            till.get_by_role("button", name="Demander la reconversion").click()
            till.wait_for_function("document.getElementById('gc-reconv').textContent"
                                   ".includes('en attente')")
        # the member's statement names the vendor, with 87,50 left
        with view(browser, f"boucle-{tag}-5-releve", phone=True) as member:
            member.goto(base + "/moi")
            login(member, "amina")
            ready(member)
            assert member.locator("#gc-balance").inner_text() == "87,50 MonA"
            first = member.locator("table tbody tr").first.inner_text()
            assert vendor_name.split(" (")[0] in first and "−12,50" in first and "87,50" in first
        # the coordinator approves: the ledger pays, the budget shows it
        with view(browser, f"boucle-{tag}-6-reconversion", phone=True) as page:
            page.goto(base + "/coordination/tresorerie")
            login(page, "coord")
            ready(page)
            page.get_by_role("button", name="Accepter et payer").click()
            page.wait_for_function("document.getElementById('gc-status').textContent"
                                   ".includes('acceptée')")
            page.wait_for_function("document.getElementById('gc-budget').textContent"
                                   ".includes('MonA reconverties12,50 MonA')")
