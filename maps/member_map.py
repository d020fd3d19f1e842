"""The member map: every conventionné point of sale and market, clustered, in French.

The page is built with folium once per territory; its data is read from the API
by ``static/member_map.js``, so it always shows what the store holds. Leaflet and
Leaflet.markercluster are served from ``maps/static/vendor`` (no CDN): the map works
without internet, on a plain vector background of the territory. A click on the map (or
"ma position") lists the nearest conventionnés by walking time and draws the way there.
"""

from __future__ import annotations

from folium.plugins import MarkerCluster

from geo_caisse.territory import Territory
from maps._page import STATIC_URL, base_map, local_assets, render_page


def build_member_map(territory: Territory, *, api_base: str = "/api") -> str:
    """The member map's HTML page for ``territory``."""
    fmap = base_map(territory, css="member_map.css")
    cluster = MarkerCluster(  # type: ignore[no-untyped-call]
        name="Points de vente conventionnés", show=True)
    local_assets(
        cluster,
        [("markerclusterjs", f"{STATIC_URL}/vendor/markercluster/leaflet.markercluster.js")],
        [("markerclustercss", f"{STATIC_URL}/vendor/markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss",
          f"{STATIC_URL}/vendor/markercluster/MarkerCluster.Default.css")],
    )
    cluster.add_to(fmap)
    body = ('<h1 class="gc-title">Où dépenser mes MonA&nbsp;? '
            f'<span class="gc-territory">{territory.name}</span></h1>'
            '<form id="gc-search" class="gc-search" role="search" autocomplete="off">'
            '<label for="gc-q">Adresse ou lieu</label>'
            '<input id="gc-q" type="search" role="combobox" aria-autocomplete="list" '
            'aria-expanded="false" aria-controls="gc-suggestions" maxlength="120" '
            'placeholder="12 rue de la Loge, marché des Arceaux…">'
            '<button type="submit">Chercher</button>'
            '<ul id="gc-suggestions" role="listbox" aria-label="Suggestions" hidden></ul>'
            '<p class="gc-note">Recherche sur la carte, sans service extérieur&nbsp;; '
            'l\'adresse n\'est ni enregistrée ni transmise.</p></form>'
            '<div id="gc-status" role="status" aria-live="polite">Chargement…</div>'
            '<section id="gc-walk" class="gc-walk" aria-live="polite" hidden></section>')
    return render_page(fmap, territory,
                       title="geo_caisse — carte des points de vente conventionnés",
                       body_html=body, script="member_map.js",
                       config={"api": api_base, "cluster": cluster.get_name()})
