"""The member map: every conventionné point of sale and market, clustered, in French.

The page is built with folium once per territory; its data is read from the API
by ``static/member_map.js``, so it always shows what the store holds. Leaflet and
Leaflet.markercluster are served from ``maps/static/vendor`` (no CDN): the map works
without internet, on a plain vector background of the territory. A click on the map (or
"ma position") lists the nearest conventionnés by walking time and draws the way there.
"""

from __future__ import annotations

from folium.plugins import MarkerCluster

from geo_caisse.core.territory import Territory
from maps._page import STATIC_URL, base_map, local_assets, render_page

TEXT = {
    "fr": {"title": "Où dépenser mes MonA&nbsp;?", "search": "Adresse ou lieu",
           "placeholder": "12 rue de la Loge, marché des Arceaux…", "go": "Chercher",
           "note": "Recherche sur la carte, sans service extérieur&nbsp;; l'adresse n'est ni "
                   "enregistrée ni transmise.", "loading": "Chargement…",
           "page": "geo_caisse — carte des points de vente conventionnés",
           "switch": '<a class="gc-lang" href="/?lang=en" hreflang="en" lang="en">English</a>'},
    "en": {"title": "Where can I spend my MonA?", "search": "Address or place",
           "placeholder": "12 rue de la Loge, Marché des Arceaux…", "go": "Search",
           "note": "Searched on the map itself, with no outside service; the address is "
                   "neither kept nor sent anywhere.", "loading": "Loading…",
           "page": "geo_caisse — map of the conventionné points of sale",
           "switch": '<a class="gc-lang" href="/" hreflang="fr" lang="fr">Français</a>'},
}


def build_member_map(territory: Territory, *, api_base: str = "/api", lang: str = "fr") -> str:
    """The member map's HTML page for ``territory``, in French (default) or English."""
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    t = TEXT[lang]
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
    body = (f'<h1 class="gc-title">{t["title"]} '
            f'<span class="gc-territory">{territory.name}</span></h1>'
            '<form id="gc-search" class="gc-search" role="search" autocomplete="off">'
            f'{t["switch"]}'
            f'<label for="gc-q">{t["search"]}</label>'
            '<input id="gc-q" type="search" role="combobox" aria-autocomplete="list" '
            'aria-expanded="false" aria-controls="gc-suggestions" maxlength="120" '
            f'placeholder="{t["placeholder"]}">'
            f'<button type="submit">{t["go"]}</button>'
            '<ul id="gc-suggestions" role="listbox" aria-label="Suggestions" hidden></ul>'
            f'<p class="gc-note">{t["note"]}</p></form>'
            f'<div id="gc-status" role="status" aria-live="polite">{t["loading"]}</div>'
            '<section id="gc-walk" class="gc-walk" aria-live="polite" hidden></section>')
    return render_page(fmap, territory, title=t["page"], body_html=body,
                       script="member_map.js", lang=lang,
                       config={"api": api_base, "cluster": cluster.get_name(), "lang": lang})
