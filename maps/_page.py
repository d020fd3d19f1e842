"""What every geo_caisse map page shares: a folium map with local Leaflet, no tile server.

Tiles are off (``tiles=None``): pages draw a plain vector background of the territory from
the API, so they work without internet. Page scripts are deferred and find their map and
settings in ``window.GEO_CAISSE``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import folium

from geo_caisse.core.territory import Territory

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static"


def local_assets(element: Any, js: list[tuple[str, str]], css: list[tuple[str, str]]) -> None:
    """Serve an element's JS and CSS from ``maps/static`` instead of a CDN."""
    element.default_js = js
    element.default_css = css


def base_map(territory: Territory, *, css: str) -> folium.Map:
    """A folium map fitted to the territory with Leaflet and ``css`` from ``/static``."""
    minx, miny, maxx, maxy = territory.bbox
    # no tile layer, so the map itself must carry its zoom range (markercluster needs maxZoom)
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13,
                      tiles=None, control_scale=True, prefer_canvas=False, maxZoom=19,
                      minZoom=9)
    local_assets(fmap, [("leaflet", f"{STATIC_URL}/vendor/leaflet/leaflet.js")],
                 [("leaflet_css", f"{STATIC_URL}/vendor/leaflet/leaflet.css"),
                  ("page_css", f"{STATIC_URL}/{css}")])
    return fmap


COORDINATION_PAGES = (("/coordination", "Déserts alimentaires"),
                      ("/coordination/mona", "Flux de MonA"),
                      ("/coordination/recrutement", "Recrutement"))


def coordination_nav(current: str) -> str:
    """The links between the coordinators' pages (the current one marked for screen readers)."""
    links = " · ".join(
        f'<a href="{href}"' + (' aria-current="page"' if href == current else "") +
        f">{label}</a>" for href, label in COORDINATION_PAGES)
    return f'<nav class="gc-nav" aria-label="Pages de coordination">{links}</nav>'


def login_page(territory: Territory, *, heading: str, title: str, login_heading: str,
               script: str, config: dict[str, Any], nav: str | None = None) -> str:
    """A page whose data needs a login: title, status line, a panel holding the login form
    (``gc_common.js`` handles it, then ``script`` fills the panel) and, for coordinators,
    the navigation bar (``nav``: this page's path)."""
    fmap = base_map(territory, css="coordinator_map.css")
    body = (f'<h1 class="gc-title">{heading} '
            f'<span class="gc-territory">{territory.name}</span></h1>'
            + (coordination_nav(nav) if nav else "")
            + '<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            f'<aside id="gc-panel" class="gc-panel" aria-label="{heading}">'
            f'<form id="gc-login" class="gc-login"><h2>{login_heading}</h2>'
            '<label>Identifiant <input id="gc-user" name="username" autocomplete="username" '
            'required></label>'
            '<label>Mot de passe <input id="gc-pass" name="password" type="password" '
            'autocomplete="current-password" required></label>'
            '<button type="submit">Se connecter</button></form></aside>')
    return render_page(fmap, territory, title=title, body_html=body,
                       script=["gc_common.js", script], config=config)


def render_page(fmap: folium.Map, territory: Territory, *, title: str, body_html: str,
                script: str | list[str], config: dict[str, Any], lang: str = "fr") -> str:
    """The page's HTML: ``body_html`` over the map, ``config`` in ``window.GEO_CAISSE`` and
    ``script`` (from ``/static``) run after folium has made the map."""
    minx, miny, maxx, maxy = territory.bbox
    root = fmap.get_root()
    root.html.add_child(folium.Element(body_html))  # type: ignore[attr-defined]
    full = {"map": fmap.get_name(), "bounds": [[miny, minx], [maxy, maxx]],
            "attribution": territory.attribution, **config}
    root.header.add_child(folium.Element(  # type: ignore[attr-defined]
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{title}</title>"))
    root.html.add_child(folium.Element(  # type: ignore[attr-defined]
        f"<script>window.GEO_CAISSE = {json.dumps(full, ensure_ascii=False)};</script>"))
    for name in [script] if isinstance(script, str) else script:
        root.header.add_child(folium.Element(  # type: ignore[attr-defined]
            f'<script defer src="{STATIC_URL}/{name}"></script>'))
    html = root.render().replace("<html>", f'<html lang="{lang}">', 1)
    # folium's own viewport forbids zooming (user-scalable=no), which people with low vision
    # need (WCAG 1.4.4): keep only ours
    return re.sub(r'<meta name="viewport" content="width=device-width,\s*initial-scale=1\.0, '
                  r'maximum-scale=1\.0, user-scalable=no"\s*/>', "", html)
