"""The member map: every conventionné point of sale and market, clustered, in French.

The page is built with folium once per territory; its data is read from the API
by ``static/member_map.js``, so it always shows what the store holds. Leaflet and
Leaflet.markercluster are served from ``maps/static/vendor`` (no CDN): the map works
without internet, on a plain vector background of the territory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import folium
from folium.plugins import MarkerCluster

from geo_caisse.territory import Territory

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static"


def _local_assets(element: Any, js: list[tuple[str, str]],
                  css: list[tuple[str, str]]) -> None:
    element.default_js = js
    element.default_css = css


def build_member_map(territory: Territory, *, api_base: str = "/api") -> str:
    """The member map's HTML page for ``territory``."""
    minx, miny, maxx, maxy = territory.bbox
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13, tiles=None,
        control_scale=True, prefer_canvas=False,
    )
    _local_assets(
        fmap,
        [("leaflet", f"{STATIC_URL}/vendor/leaflet/leaflet.js")],
        [("leaflet_css", f"{STATIC_URL}/vendor/leaflet/leaflet.css"),
         ("member_map_css", f"{STATIC_URL}/member_map.css")],
    )
    cluster = MarkerCluster(  # type: ignore[no-untyped-call]
        name="Points de vente conventionnés", show=True)
    _local_assets(
        cluster,
        [("markerclusterjs", f"{STATIC_URL}/vendor/markercluster/leaflet.markercluster.js")],
        [("markerclustercss", f"{STATIC_URL}/vendor/markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss",
          f"{STATIC_URL}/vendor/markercluster/MarkerCluster.Default.css")],
    )
    cluster.add_to(fmap)
    root = fmap.get_root()
    root.html.add_child(folium.Element(  # type: ignore[attr-defined]
        '<h1 class="gc-title">Où dépenser mes MonA&nbsp;? '
        f'<span class="gc-territory">{territory.name}</span></h1>'
        '<div id="gc-status" role="status" aria-live="polite">Chargement…</div>'
    ))
    config = {
        "api": api_base,
        "map": fmap.get_name(),
        "cluster": cluster.get_name(),
        "bounds": [[miny, minx], [maxy, maxx]],
        "attribution": territory.attribution,
    }
    root.header.add_child(folium.Element(  # type: ignore[attr-defined]
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>geo_caisse — carte des points de vente conventionnés</title>"
    ))
    root.html.add_child(folium.Element(  # type: ignore[attr-defined]
        f"<script>window.GEO_CAISSE = {json.dumps(config, ensure_ascii=False)};</script>"
    ))
    # deferred: runs after folium's inline script has made the map and the cluster
    root.header.add_child(folium.Element(  # type: ignore[attr-defined]
        f'<script defer src="{STATIC_URL}/member_map.js"></script>'
    ))
    html = root.render()
    return html.replace("<html>", '<html lang="fr">', 1)
