"""What every geo_caisse page shares: the layout, the base map, the attribution, the scripts.

A page is a header (title, navigation, search), a panel (filters, lists, forms) and the map,
laid out by ``gc_base.css`` in a grid: side by side on a wide screen, the panel under the map
on a phone, so that nothing covers anything. The map is a folium/Leaflet map without a tile
layer of its own: ``gc_basemap.js`` draws the territory's vector base map (served by the
app from ``/tiles``, or a tile server the territory names) with the full attribution. Page
scripts are deferred and find their map and settings in ``window.GEO_CAISSE``.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

import folium

from geo_caisse.core.territory import Territory

STATIC_URL = "/static"
#: the display zoom at which street names are legible (the member map's first view)
STREET_ZOOM = 15


def local_assets(element: Any, js: list[tuple[str, str]], css: list[tuple[str, str]]) -> None:
    """Serve an element's JS and CSS from ``maps/static`` instead of a CDN."""
    element.default_js = js
    element.default_css = css


def centre_of(territory: Territory) -> tuple[float, float]:
    """``(lat, lon)`` of the territory's first view: ``[basemap] centre`` or its middle."""
    if territory.basemap.centre is not None:
        lon, lat = territory.basemap.centre
        return lat, lon
    minx, miny, maxx, maxy = territory.bbox
    return (miny + maxy) / 2, (minx + maxx) / 2


def base_map(territory: Territory, *, css: str, zoom: int = 13) -> folium.Map:
    """A folium map centred on the territory with Leaflet, the base map and ``css``."""
    fmap = folium.Map(location=list(centre_of(territory)), zoom_start=zoom, tiles=None,
                      control_scale=False, prefer_canvas=False, maxZoom=19, minZoom=10,
                      attribution_control=False)
    vendor = f"{STATIC_URL}/vendor"
    local_assets(fmap, [("leaflet", f"{vendor}/leaflet/leaflet.js"),
                        ("protomaps", f"{vendor}/protomaps-leaflet/protomaps-leaflet.js")],
                 [("leaflet_css", f"{vendor}/leaflet/leaflet.css"),
                  ("base_css", f"{STATIC_URL}/gc_base.css"),
                  ("page_css", f"{STATIC_URL}/{css}")])
    return fmap


COORDINATION_PAGES = (("/coordination", "Déserts alimentaires"),
                      ("/coordination/mona", "Flux de MonA"),
                      ("/coordination/recrutement", "Recrutement"),
                      ("/coordination/propositions", "Propositions"),
                      ("/coordination/conventionnement", "Conventionnement"),
                      ("/coordination/comptes", "Comptes"),
                      ("/coordination/tresorerie", "Trésorerie"),
                      ("/coordination/tirage", "Tirage au sort"),
                      ("/coordination/budget", "Budget"))


def coordination_nav(current: str) -> str:
    """The links between the coordinators' pages (the current one marked for screen readers)."""
    links = "".join(
        f'<li><a href="{href}"' + (' aria-current="page"' if href == current else "") +
        f">{label}</a></li>" for href, label in COORDINATION_PAGES)
    return f'<nav class="gc-nav" aria-label="Pages de coordination"><ul>{links}</ul></nav>'


def header(territory: Territory, heading: str, *, extra: str = "") -> str:
    """The page's header: its title, the territory's name, and ``extra`` (navigation…)."""
    return (f'<header class="gc-header"><h1 class="gc-title">{heading} '
            f'<span class="gc-territory">{escape(territory.name)}</span></h1>{extra}</header>')


LOGIN_TEXT = {
    "fr": {"user": "Identifiant", "password": "Mot de passe", "submit": "Se connecter",
           "needed": "Connexion requise"},
    "en": {"user": "Login", "password": "Password", "submit": "Log in",
           "needed": "Please log in"},
}


def login_form(heading: str, *, lang: str = "fr", extra: str = "") -> str:
    """The login form ``gc_common.js`` handles (labels above the fields, the error said)."""
    t = LOGIN_TEXT[lang]
    return (f'<form id="gc-login" class="gc-login"><h2>{heading}</h2>'
            f'<label for="gc-user">{t["user"]}</label>'
            '<input id="gc-user" name="username" autocomplete="username" required>'
            f'<label for="gc-pass">{t["password"]}</label>'
            '<input id="gc-pass" name="password" type="password" '
            'autocomplete="current-password" required>'
            f'<button type="submit" class="gc-primary">{t["submit"]}</button>'
            f'<p id="gc-login-error" class="gc-error" role="alert"></p>{extra}</form>')


def login_page(territory: Territory, *, heading: str, title: str, login_heading: str,
               script: str, config: dict[str, Any], nav: str | None = None) -> str:
    """A page whose data needs a login: header, status line, a panel holding the login form
    (``gc_common.js`` handles it, then ``script`` fills the panel) and, for coordinators,
    the navigation bar (``nav``: this page's path)."""
    fmap = base_map(territory, css="coordinator_map.css")
    body = (header(territory, heading, extra=coordination_nav(nav) if nav else "")
            + f'<aside id="gc-side" class="gc-side" aria-label="{heading}">'
            '<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<div id="gc-panel" class="gc-panel">' + login_form(login_heading) +
            '</div></aside>')
    return render_page(fmap, territory, title=title, body_html=body,
                       script=["gc_common.js", script], config=config)


def plain_page(territory: Territory, *, title: str, heading: str, main_html: str,
               script: str | None, config: dict[str, Any], css: str, lang: str = "fr",
               extra: str = "", nav: str | None = None) -> str:
    """A page without a map (the member's space, the till, the welcome page, the accounts):
    the header, one column of content, the data's attribution at the foot."""
    full = {"api": "/api", "lang": lang, **config}
    head = header(territory, heading,
                  extra=(coordination_nav(nav) if nav else "") + extra)
    foot = (f'<footer class="gc-foot"><p>{escape(territory.attribution)}</p></footer>')
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{STATIC_URL}/gc_base.css">'
        f'<link rel="stylesheet" href="{STATIC_URL}/{css}">'
        f"<script>window.GEO_CAISSE = {json.dumps(full, ensure_ascii=False)};</script>"
        + (f'<script defer src="{STATIC_URL}/gc_common.js"></script>'
           f'<script defer src="{STATIC_URL}/{script}"></script>' if script else "") +
        f'</head><body class="gc-page gc-plain">{head}'
        f'<main id="gc-main" class="gc-main">{main_html}</main>{foot}</body></html>')


def basemap_config(territory: Territory) -> dict[str, Any]:
    """What ``gc_basemap.js`` draws: the app's vector tiles, or the territory's tile server."""
    cfg = territory.basemap
    if cfg.tile_url:
        return {"url": cfg.tile_url, "attribution": cfg.tile_attribution}
    return {"tiles": "/tiles/{z}/{x}/{y}.mvt", "maxDataZoom": cfg.max_zoom,
            "minZoom": cfg.min_zoom}


def render_page(fmap: folium.Map, territory: Territory, *, title: str, body_html: str,
                script: str | list[str], config: dict[str, Any], lang: str = "fr",
                body_class: str = "") -> str:
    """The page's HTML: ``body_html`` (header and panel) beside the map, ``config`` in
    ``window.GEO_CAISSE`` and ``script`` (from ``/static``) run after folium has made the
    map and ``gc_basemap.js`` has drawn its background."""
    minx, miny, maxx, maxy = territory.bbox
    root = fmap.get_root()
    root.html.add_child(folium.Element(body_html))  # type: ignore[attr-defined]
    full = {"map": fmap.get_name(), "bounds": [[miny, minx], [maxy, maxx]],
            "attribution": territory.attribution, "basemap": basemap_config(territory),
            "lang": lang, **config}
    root.header.add_child(folium.Element(  # type: ignore[attr-defined]
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title>"))
    root.html.add_child(folium.Element(  # type: ignore[attr-defined]
        f"<script>window.GEO_CAISSE = {json.dumps(full, ensure_ascii=False)};</script>"))
    for name in ["gc_basemap.js", *([script] if isinstance(script, str) else script)]:
        root.header.add_child(folium.Element(  # type: ignore[attr-defined]
            f'<script defer src="{STATIC_URL}/{name}"></script>'))
    html = root.render().replace("<html>", f'<html lang="{lang}">', 1)
    classes = " ".join(filter(None, ("gc-page", body_class)))
    html = html.replace("<body>", f'<body class="{classes}">', 1)
    # folium's own viewport forbids zooming (user-scalable=no), which people with low vision
    # need (WCAG 1.4.4): keep only ours
    return re.sub(r'<meta name="viewport" content="width=device-width,\s*initial-scale=1\.0, '
                  r'maximum-scale=1\.0, user-scalable=no"\s*/>', "", html)
