"""The producers' page: the demand near their own point of sale, aggregated to areas of at
least 11 members (:mod:`geo_caisse.demand`). Data after login."""

from __future__ import annotations

from geo_caisse.territory import Territory
from maps._page import base_map, login_form, render_page


def build_producer_map(territory: Territory, *, api_base: str = "/api") -> str:
    fmap = base_map(territory, css="coordinator_map.css")
    body = ('<h1 class="gc-title">Ma demande '
            f'<span class="gc-territory">{territory.name}</span></h1>'
            '<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<aside id="gc-panel" class="gc-panel" aria-label="Demande">'
            + login_form("Connexion producteur") + '</aside>')
    return render_page(fmap, territory, title="geo_caisse — producteur : ma demande",
                       body_html=body, script=["gc_common.js", "producer_map.js"],
                       config={"api": api_base})
