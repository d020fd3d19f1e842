"""The coordinators' map: food deserts (choropleth with legend), what-if and candidates.

Read from the API by ``static/coordinator_map.js``: the desert layer by 200 m cell or by
neighbourhood, the threshold and weekday, a click anywhere to simulate a new conventionné,
a click on a conventionné to simulate the end of its convention, and the ranking of the
points of sale not yet conventionnés.
"""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import base_map, coordination_nav, header, render_page


def build_coordinator_map(territory: Territory, *, api_base: str = "/api") -> str:
    """The coordinators' HTML page for ``territory``."""
    fmap = base_map(territory, css="coordinator_map.css")
    access = territory.access
    body = (header(territory, "Déserts alimentaires à pied",
                   extra=coordination_nav("/coordination"))
            + '<aside id="gc-side" class="gc-side" aria-label="Analyse">'
            '<div id="gc-status" role="status" aria-live="polite">Chargement…</div>'
            '<div id="gc-panel" class="gc-panel"></div></aside>')
    return render_page(fmap, territory, title="geo_caisse — coordination : déserts alimentaires",
                       body_html=body, script=["gc_common.js", "coordinator_map.js"],
                       config={"api": api_base, "threshold_min": access.desert_threshold_min,
                               "walk_speed_kmh": access.walk_speed_kmh})
