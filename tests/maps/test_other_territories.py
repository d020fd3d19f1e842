"""The pages of a territory built from open data (Villeurbanne, Bondy) as their members and
coordinators see them, in Chromium, offline: their own streets drawn on the base map, their
own names and examples, their own levels, and nothing of Montpellier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from geo_caisse.auth.users import create_user
from geo_caisse.core.progress import quiet
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import init_store
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.browser import axe, raw_formats, ready, serving, small_targets, view
from tests.utils.built_territories import MONTPELLIER_WORDS, build_all

#: streets of each place's OSM extract that its base map must draw around the centre
STREETS = {"villeurbanne": {"Rue Jean Jaurès", "Rue Victor Hugo", "Rue Florian",
                            "Rue Raymond Terracher", "Rue Galilée", "Rue Jean-Louis Maubant",
                            "Avenue Antoine de Saint-Exupéry"},
           "bondy": {"Rue Fontaine", "Rue Arthur Groussier", "Avenue des Mesarmes",
                     "Avenue Clara Grandet", "Avenue de Gueugnon", "Avenue Marx Dormoy",
                     "Avenue de la Parisienne"}}


#: the coordinators' "Découpage" menu: the 200 m cells, then the place's levels, finest first
UNITS = {"villeurbanne": ["carreaux de 200 m", "communes"],
         "bondy": ["carreaux de 200 m", "IRIS", "grands quartiers", "communes"]}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path
          ) -> Iterator[dict[str, tuple[str, Territory]]]:
    from contextlib import ExitStack

    from api.main import create_app

    root = tmp_path_factory.mktemp("other-territories")
    folders = build_all(root)
    with ExitStack() as stack:
        out = {}
        for name, folder in folders.items():
            territory = Territory.from_dir(folder)
            url = f"sqlite:///{root / f'{name}.sqlite'}"
            engine = make_engine(DatabaseSettings(database_url=url))
            init_store(engine, session_factory(engine), territory, progress=quiet)
            writer = writer_sessions(engine)
            with writer() as s:  # the committee conventionnes every other candidate
                ids = s.scalars(select(PointOfSaleRow.id).order_by(PointOfSaleRow.ref)).all()
                s.execute(update(PointOfSaleRow).where(PointOfSaleRow.id.in_(ids[::2]))
                          .values(status="conventionne", accepts_mona=True))
                s.commit()
            create_user(writer, username="coord", password="correct horse battery",
                        role="coordinator")
            settings = Settings(DatabaseSettings(database_url=url),
                                TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
                                ApiSettings())
            out[name] = (stack.enter_context(serving(create_app(settings))), territory)
        yield out


def _text_without_credits(page: Any) -> str:
    return str(page.evaluate("""() => { const b = document.body.cloneNode(true);
        b.querySelectorAll('.leaflet-control-attribution').forEach(e => e.remove());
        return b.innerText; }"""))


@pytest.mark.parametrize("name", sorted(STREETS))
def test_the_member_map_shows_the_places_own_streets_and_names(
        sites: dict[str, tuple[str, Territory]], browser: Any, name: str) -> None:
    base, territory = sites[name]
    with view(browser, f"territoire-{name}-membre") as page:
        page.goto(base + "/")
        ready(page)
        assert territory.basemap.centre is not None
        lon, lat = territory.basemap.centre
        page.evaluate(f"""() => window[window.GEO_CAISSE.map].setView([{lat}, {lon}], 17,
                                                                 {{animate: false}})""")
        page.wait_for_function("""(names) => names.filter(
            n => window.__gcDrawn.includes(n)).length >= 3""", arg=sorted(STREETS[name]),
            timeout=30_000)
        drawn = set(page.evaluate("window.__gcDrawn"))
        text = _text_without_credits(page) + " ".join(drawn)
        for word in MONTPELLIER_WORDS:
            assert word not in text, word
        placeholder = page.get_by_role("combobox", name="Adresse ou lieu").get_attribute(
            "placeholder") or ""
        assert territory.search is not None and territory.search.example
        assert territory.search.example.split(",")[0] in placeholder, placeholder
        assert axe(page) == []
        assert small_targets(page) == []
    with view(browser, f"territoire-{name}-membre-telephone", phone=True) as page:
        page.goto(base + "/")
        ready(page)
        assert small_targets(page) == []


@pytest.mark.parametrize("name", sorted(STREETS))
def test_the_coordinators_map_lists_the_places_own_levels(
        sites: dict[str, tuple[str, Territory]], browser: Any, name: str) -> None:
    base, _ = sites[name]
    with view(browser, f"territoire-{name}-coordination") as page:
        page.goto(base + "/coordination")
        page.wait_for_selector("#gc-candidates button", timeout=60_000)
        units = [o.inner_text() for o in page.locator("#gc-unit option").all()]
        assert units == UNITS[name]
        measure = page.locator("#gc-measure")
        if name == "villeurbanne":   # no income: the desert share is not offered, said why
            assert measure.input_value() == "low_access_share"
            assert page.locator('#gc-measure option[value="desert_share"]').is_disabled()
            assert "non calculé" in measure.inner_text()
        else:
            assert measure.input_value() == "desert_share"
        text = _text_without_credits(page)
        for word in MONTPELLIER_WORDS:
            assert word not in text, word
        assert "sous-quartier" not in text.lower()  # neither place has sous-quartiers
        assert raw_formats(text) == []
        assert axe(page) == []
