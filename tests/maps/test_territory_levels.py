"""Pages of a territory with levels of its own (commune, secteur, iris): the coordinators'
"Découpage" menu offers its levels by their French names, finest first, and draws the
deserts at the one chosen; the members' search names a neighbourhood by its level; the
accounts page groups the neighbourhoods by level, coarse to fine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo_caisse.auth.users import create_user
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import init_store
from geo_caisse.storage import make_engine, session_factory, writer_sessions
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
from tests.utils.stores import PASSWORD
from tests.utils.territories import other_levels


@pytest.fixture(scope="module")
def levels_site(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[str]:
    from api.main import create_app

    root = tmp_path_factory.mktemp("levels")
    folder = other_levels(root / "territory")
    url = f"sqlite:///{root / 'store.sqlite'}"
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), Territory.from_dir(folder), progress=quiet)
    create_user(writer_sessions(engine), username="coord", password=PASSWORD,
                role="coordinator")
    engine.dispose()
    settings = Settings(DatabaseSettings(database_url=url),
                        TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
                        ApiSettings())
    with serving(create_app(settings)) as base:
        yield base


def _units(page: Any) -> list[tuple[str, str]]:
    return [(o.get_attribute("value"), o.inner_text())
            for o in page.locator("#gc-unit option").all()]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "telephone"])
def test_the_unit_menu_offers_the_territory_levels(levels_site: str, browser: Any,
                                                   phone: bool) -> None:
    name = "niveaux-decoupage" + ("-telephone" if phone else "")
    with view(browser, name, phone=phone) as page:
        page.goto(levels_site + "/coordination")
        page.wait_for_selector("#gc-candidates button", timeout=60_000)
        assert _units(page) == [("cells", "carreaux de 200 m"), ("iris", "IRIS"),
                                ("secteur", "secteurs"), ("commune", "communes")]
        page.get_by_label("Découpage").select_option(label="secteurs")
        page.wait_for_function("() => document.getElementById('gc-status').textContent"
                               " !== 'Calcul…'", timeout=60_000)
        assert page.locator("path.leaflet-interactive").count() >= 7   # the 7 secteurs
        rule = page.locator("#gc-summary").inner_text()
        assert "de chaque IRIS" in rule, rule          # the low-income rule's level
        assert raw_formats(page.locator("body").inner_text()) == []
        if phone:
            assert small_targets(page) == []
            assert overlaps(page, ["#gc-side", "#gc-status", ".gc-title"]) == []
        else:
            assert axe(page) == []


def test_the_search_names_a_neighbourhood_by_its_level(levels_site: str,
                                                       browser: Any) -> None:
    with view(browser, "niveaux-recherche") as page:
        page.goto(levels_site + "/")
        ready(page)
        box = page.get_by_role("combobox", name="Adresse ou lieu")
        box.fill("port marianne")
        page.wait_for_selector("#gc-suggestions li[id]")
        found = page.locator("#gc-suggestions").inner_text()
        assert "Port Marianne (secteur)" in found, found
        assert "grand_quartier" not in found and "sous_quartier" not in found


def test_the_accounts_page_groups_neighbourhoods_by_level(levels_site: str,
                                                          browser: Any) -> None:
    with view(browser, "niveaux-comptes") as page:
        page.goto(levels_site + "/coordination/comptes")
        login(page, "coord")
        ready(page)
        page.wait_for_selector("#gc-r-area optgroup", state="attached")
        groups = page.locator("#gc-r-area optgroup")
        assert [g.get_attribute("label") for g in groups.all()] == [
            "communes", "secteurs", "IRIS"]
        assert page.locator("#gc-r-area optgroup[label='secteurs'] option").count() == 7
