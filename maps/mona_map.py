"""The coordinators' Mona map: where members who spend live, where the Mona goes, the budget.

The page itself holds no data: after login (``POST /api/token``) ``static/mona_map.js``
reads the flows API with the access token. Every figure it draws aggregates at least
11 members; hidden ones are drawn hatched grey and labelled "secret statistique".
"""

from __future__ import annotations

from geo_caisse.territory import Territory
from maps._page import base_map, coordination_nav, login_form, render_page


def build_mona_map(territory: Territory, *, api_base: str = "/api") -> str:
    """The coordinators' Mona page for ``territory``."""
    fmap = base_map(territory, css="coordinator_map.css")
    body = ('<h1 class="gc-title">Flux de MonA '
            f'<span class="gc-territory">{territory.name}</span></h1>'
            + coordination_nav("/coordination/mona")
            + '<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<aside id="gc-panel" class="gc-panel" aria-label="Flux de MonA">'
            + login_form("Connexion coordination") + '</aside>')
    return render_page(fmap, territory, title="geo_caisse — coordination : flux de MonA",
                       body_html=body, script=["gc_common.js", "mona_map.js"],
                       config={"api": api_base,
                               "min_members": territory.caisse.min_members_per_cell})
