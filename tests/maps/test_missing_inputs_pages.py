"""A territory without income, strata nor markets, in Chromium, offline: the recruitment,
deserts, producer and conventionnement pages say in French what is not computed and why,
target on what remains, and never print a raw code, "null" nor "NaN"."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from geo_caisse.auth.users import create_user
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import init_store
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.browser import (
    axe,
    login,
    post_json,
    raw_formats,
    ready,
    serving,
    small_targets,
    token_of,
    view,
)
from tests.utils.stores import PASSWORD
from tests.utils.territories import without_inputs

#: what a person must never read: a raw JSON value, a term's or a field's code
RAW = re.compile(r"\b(null|NaN|undefined|desert_low_income|under_represented|"
                 r"median_income_uc_eur|MissingInputError)\b")


@dataclass(frozen=True)
class Bare:
    base: str
    dossier_place: str     #: the name of the point of sale whose dossier is open


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[Bare]:
    from api.main import create_app

    root = tmp_path_factory.mktemp("bare")
    folder = without_inputs(root / "territory")
    url = f"sqlite:///{root / 'store.sqlite'}"
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), Territory.from_dir(folder), progress=quiet)
    writer = writer_sessions(engine)
    with session_factory(engine)() as s:
        shop = s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id)).first()
    create_user(writer, username="coord", password=PASSWORD, role="coordinator")
    create_user(writer, username="comite", password=PASSWORD, role="committee")
    create_user(writer, username="ferme", password=PASSWORD, role="producer",
                point_of_sale_id=shop)
    engine.dispose()
    settings = Settings(DatabaseSettings(database_url=url),
                        TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
                        ApiSettings())
    with serving(create_app(settings)) as base:
        token = token_of(base, "coord")
        request = urllib.request.Request(base + "/api/conventionnement",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request) as r:
            candidate = json.loads(r.read())["candidates"][0]
        post_json(base, "/api/conventionnement/dossiers",
                  {"point_of_sale_id": candidate["id"]}, token)
        yield Bare(base, candidate["name"])


def _plain(page: Any) -> str:
    text = str(page.locator("body").inner_text())
    assert RAW.search(text) is None, RAW.search(text)
    assert raw_formats(text) == []
    return text


def test_recruitment_targets_on_what_remains(bare: Bare, browser: Any) -> None:
    with view(browser, "manquants-recrutement", expected_errors=("status of 409",)) as page:
        page.goto(bare.base + "/coordination/recrutement")
        login(page, "coord")
        page.wait_for_selector("#gc-result ol li", timeout=120_000)
        coverage = page.locator("#gc-coverage").inner_text()
        assert "Non calculée : la population par strate n'est pas fournie" in coverage
        for term, why in (("desert_low_income", "revenus non fournis"),
                          ("under_represented", "population par strate non fournie")):
            assert page.locator(f"#gc-{term}").input_value() == "0"
            note = page.locator(f"#gc-{term}-note").inner_text()
            assert "Non calculé" in note and why in note and "poids mis à 0" in note
        first = page.locator("#gc-result ol li").first.inner_text()
        assert "personnes près de conventionnés peu fréquentés" in first
        assert "modestes" not in first and "strates" not in first
        result = page.locator("#gc-result").inner_text()
        assert "Non calculé pour ce territoire, faute de données : personnes modestes en " \
            "désert alimentaire, personnes des strates sous-représentées." in result
        assert "estimations du recensement" in page.locator("#gc-result").inner_text()
        _plain(page)
        assert axe(page) == [] and small_targets(page) == []
        # asking for the deserts' weight again: told why in French, nothing computed
        page.locator("#gc-desert_low_income").fill("1")
        page.get_by_role("button", name="Calculer").click()
        page.wait_for_function("document.getElementById('gc-status').textContent"
                               ".includes('revenus non fournis')")
        status = page.locator("#gc-status").inner_text()
        assert status.startswith("Non calculé : revenus non fournis pour ce territoire")
        assert "« déserts alimentaires » à 0" in status
        assert page.locator("#gc-result .gc-error").inner_text() == status   # no old list
        assert page.locator("#gc-result ol").count() == 0
        _plain(page)


def test_deserts_and_a_what_if_say_not_computed(bare: Bare, browser: Any) -> None:
    with view(browser, "manquants-deserts") as page:
        page.goto(bare.base + "/coordination")
        ready(page, timeout=120_000)
        assert "non calculé" in page.locator("#gc-summary").inner_text()
        page.wait_for_selector("#gc-candidates button")
        table = page.locator("#gc-candidates").inner_text()
        assert "modestes" not in page.locator("#gc-candidates table").inner_text()
        assert "Habitants modestes : non calculé, revenus non fournis" in table
        page.locator("#gc-candidates button").first.click()
        page.wait_for_selector("#gc-whatif .gc-result", timeout=30_000)
        result = page.locator("#gc-whatif").inner_text()
        assert "Désert alimentaire : non calculé, revenus non fournis" in result
        assert "Passent sous le seuil" in result and "modestes)" not in result
        _plain(page)


def test_producer_and_dossier_pages_without_income(bare: Bare, browser: Any) -> None:
    with view(browser, "manquants-producteur") as page:
        page.goto(bare.base + "/producteur")
        login(page, "ferme")
        page.wait_for_selector("#gc-panel table tr td", timeout=120_000)
        assert page.locator("#gc-panel table").first.locator("tr").count() == 4
        _plain(page)
    with view(browser, "manquants-conventionnement") as page:
        page.goto(bare.base + "/coordination/conventionnement")
        login(page, "comite")
        ready(page)
        page.locator(".gc-dossiers").get_by_role("button", name=bare.dossier_place).click()
        page.wait_for_selector("#gc-h-dossier")
        page.wait_for_function("document.getElementById('gc-effect').textContent"
                               ".includes('non calculés')", timeout=120_000)
        effect = page.locator("#gc-effect").inner_text()
        assert "Le conventionner mettrait" in effect
        assert "Habitants aux revenus modestes et désert alimentaire : non calculés, " \
            "revenus non fournis pour ce territoire." in effect
        assert effect.count("revenus modestes") == 1        # no count of them anywhere
        _plain(page)
        assert axe(page) == []
