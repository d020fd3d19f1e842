"""The coordinators' recruitment page: how the members mirror the strata, and where to
hold recruitment stands (:mod:`geo_caisse.targeting`), with the reasons. Data after login."""

from __future__ import annotations

from geo_caisse.territory import Territory
from maps._page import base_map, coordination_nav, login_form, render_page


def build_recruitment_map(territory: Territory, *, api_base: str = "/api") -> str:
    fmap = base_map(territory, css="coordinator_map.css")
    body = ('<h1 class="gc-title">Recrutement '
            f'<span class="gc-territory">{territory.name}</span></h1>'
            + coordination_nav("/coordination/recrutement")
            + '<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<aside id="gc-panel" class="gc-panel" aria-label="Recrutement">'
            + login_form("Connexion coordination") + '</aside>')
    return render_page(fmap, territory, title="geo_caisse — coordination : recrutement",
                       body_html=body, script=["gc_common.js", "recruitment_map.js"],
                       config={"api": api_base})
