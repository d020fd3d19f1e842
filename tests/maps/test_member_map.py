"""The member map as a member uses it, in Chromium, offline: the base map's street names,
the right answer to "a market open on Wednesday morning near the Comédie", the list of every
place and the way to one, "Ma position", a link to a place, the embed, the phone layout,
search by keyboard, English, and a suggestion accepted by a coordinator then shown."""

from __future__ import annotations

import http.server
import json
import math
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from geo_caisse.core.opening_hours import parse_opening_hours
from tests.maps.conftest import Site
from tests.utils.browser import login, overlaps, ready, small_targets, view

COMEDIE = {"lon": 3.8797, "lat": 43.6085}
#: streets within 250 m of the Place de la Comédie (the Ville's street centre-lines)
NEAR_COMEDIE = {"Rue de la Loge", "Boulevard Victor Hugo", "Rue de Verdun", "Rue Maguelone",
                "Rue de Maguelone", "Rue Boussairolles", "Rue Jacques Coeur", "Place Molière",
                "Rue Richelieu", "Rue de l'Argenterie", "Rue du Cygne", "Rue Joffre",
                "Boulevard Sarrail", "Rue de la Petite Loge", "Rue des Etuves",
                "Rue Aristide Ollivier", "Rue Alfred Bruyas", "Rue Pagézy"}


def _map(page: Any, js: str) -> Any:
    """Run ``js`` with ``m`` the page's Leaflet map."""
    return page.evaluate(f"() => {{ const m = window[window.GEO_CAISSE.map]; {js} }}")


def _from_comedie(page: Any) -> None:
    box = page.get_by_role("combobox", name="Adresse ou lieu")
    box.fill("place de la comedie")
    page.wait_for_selector("#gc-suggestions li[id]")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_selector("#gc-near li", timeout=30_000)


def test_street_names_are_drawn_at_street_zoom_around_the_comedie(site: Site,
                                                                  browser: Any) -> None:
    with view(browser, "membre-rues-z17") as page:
        page.goto(site.base + "/")
        ready(page)
        assert _map(page, "return m.getZoom();") >= 15     # the first view: street zoom
        _map(page, f"m.setView([{COMEDIE['lat']}, {COMEDIE['lon']}], 17, {{animate: false}});")
        # the labels are drawn on the tiles' canvases: read what was drawn, not what was sent
        page.wait_for_function("""(names) => names.filter(
            n => window.__gcDrawn.includes(n)).length >= 6""", arg=sorted(NEAR_COMEDIE),
            timeout=30_000)
        drawn = set(page.evaluate("window.__gcDrawn"))
        assert len(NEAR_COMEDIE & drawn) >= 6, sorted(NEAR_COMEDIE & drawn)
        # and the tiles are drawn: a tile canvas is not one flat colour
        colours = page.evaluate("""() => {
            const c = [...document.querySelectorAll('.leaflet-tile-container canvas')][0];
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
            return seen.size; }""")
        assert colours > 5


def test_the_nearest_market_open_on_wednesday_morning(site: Site, browser: Any) -> None:
    with view(browser, "membre-marche-mercredi") as page:
        page.goto(site.base + "/")
        ready(page)
        for label in ("Producteurs", "Commerces", "Épiceries", "Supermarché coopératif", "AMAP"):
            page.get_by_label(label, exact=True).uncheck()
        page.get_by_label("Quand").select_option("We")
        page.get_by_label("Heure").select_option("10:00")
        page.get_by_label("À pied", exact=True).select_option("30")
        page.wait_for_function("!document.getElementById('gc-status').textContent"
                               ".includes('Calcul')")
        _from_comedie(page)
        page.wait_for_function("document.getElementById('gc-status').textContent"
                               ".includes('mercredi à 10 h')")
        keys = page.eval_on_selector_all("#gc-near .gc-entry", "es => es.map(e => e.dataset.key)")
        assert keys and all(k.startswith("market:") for k in keys)
        # each one open then, by its own hours (read from the API, checked here)
        answer = page.request.post(site.base + "/api/places", data={
            **COMEDIE, "kinds": ["market"], "max_walk_min": None}).json()
        hours = {p["key"]: p["opening_hours"] for p in answer["places"]}
        for key in keys:
            assert parse_opening_hours(hours[key]).open_at("We", 10 * 60), key
        opens = page.locator("#gc-near .gc-state-open").count()
        assert opens == len(keys)
        # the status line and the list agree
        status = page.locator("#gc-status").inner_text()
        assert status.startswith(f"{len(keys)} lieu"), status
        walks = page.eval_on_selector_all("#gc-near .gc-entry-walk",
                                          "es => es.map(e => e.textContent)")
        minutes = [int(w.split(" min")[0].replace("environ ", "")) for w in walks]
        assert minutes == sorted(minutes)


def test_the_list_of_every_place_and_the_way_to_its_third(site: Site, browser: Any) -> None:
    with view(browser, "membre-liste") as page:
        page.goto(site.base + "/")
        ready(page)
        _from_comedie(page)
        page.get_by_role("tab", name="Tous les lieux").click()
        entries = page.locator("#gc-list .gc-entry")
        assert entries.count() > 20                         # every conventionné, by walk
        walks = [float(w.split(" min")[0].replace("environ ", "").replace(",", "."))
                 for w in page.eval_on_selector_all("#gc-list .gc-entry-walk",
                                                    "es => es.map(e => e.textContent)")]
        assert walks == sorted(walks)
        third = entries.nth(2)
        name = third.locator(".gc-entry-name").inner_text()
        third.click()
        page.wait_for_selector(".leaflet-popup-content h2")
        assert page.locator(".leaflet-popup-content h2").inner_text() == name
        page.wait_for_function("""() => Object.values(window[window.GEO_CAISSE.map]._layers)
            .some(l => l.gcRoute)""", timeout=30_000)
        route_end, place = _map(page, """
            const r = Object.values(m._layers).find(l => l.gcRoute).getLatLngs();
            const pop = m._popup.getLatLng();
            return [[r[r.length - 1].lat, r[r.length - 1].lng], [pop.lat, pop.lng]];""")
        gap_m = math.dist((route_end[0] * 111_200, route_end[1] * 80_500),
                          (place[0] * 111_200, place[1] * 80_500))
        assert gap_m < 150          # the way leads to that place (from its nearest node)


def test_my_position_moves_and_zooms_the_map(site: Site, browser: Any) -> None:
    here = {"latitude": 43.6112, "longitude": 3.8676}   # by the Arceaux
    with view(browser, "membre-ma-position", geolocation=here,
              permissions=["geolocation"]) as page:
        page.goto(site.base + "/")
        ready(page)
        gap = f"""const c = m.getCenter();
                  return Math.hypot((c.lat - {here['latitude']}) * 111200,
                                    (c.lng - {here['longitude']}) * 80500);"""
        before = _map(page, gap)
        page.get_by_role("button", name="Ma position").click()
        page.wait_for_selector("#gc-near li", timeout=30_000)
        assert _map(page, gap) < min(before / 2, 600)      # the map moved to the member
        seen, zoom = _map(page, f"""return [m.getBounds().pad(-0.1).contains(
            [{here['latitude']}, {here['longitude']}]), m.getZoom()];""")
        assert seen and zoom >= 15          # on the member, at a zoom where streets are named
        # with the walk to the nearest place in view
        assert _map(page, """const r = Object.values(m._layers).find(l => l.gcRoute);
                             return !!r && m.getBounds().contains(r.getBounds());""")
        assert "à moins de 15 min à pied" in page.locator("#gc-status").inner_text()


def test_a_link_to_one_place_opens_the_map_on_it(site: Site, browser: Any) -> None:
    answer = _places(site)
    target = next(p for p in answer if p["kind"] == "market")
    with view(browser, "membre-lien") as page:
        page.goto(site.base + f"/?lieu={target['key']}")
        ready(page)
        page.wait_for_selector(".leaflet-popup-content h2")
        assert page.locator(".leaflet-popup-content h2").inner_text() == target["name"]
        assert _map(page, "return m.getZoom();") >= 17
        link = page.get_by_role("link", name="Lien vers ce lieu")
        assert link.get_attribute("href") == f"/?lieu={target['key']}"   # no position in it
        # a link to a place that is no longer there opens the usual map
        page.goto(site.base + "/?lieu=market:999999")
        ready(page)
        assert page.locator(".leaflet-popup").count() == 0


def test_an_association_embeds_the_map_on_its_site(site: Site, browser: Any) -> None:
    embedded = _headers(site, "/?embed=1")
    assert "frame-ancestors *" in embedded["content-security-policy"]
    assert "frame-ancestors 'self'" in _headers(site, "/")["content-security-policy"]
    with view(browser, "membre-integre") as page, \
            _association_site(site) as asso:       # another origin than the caisse's
        page.goto(asso)
        frame = page.frame_locator("iframe")
        frame.locator("body[data-gc-ready='1']").wait_for(timeout=60_000)
        assert frame.locator(".gc-header").is_hidden()            # compact: no header
        assert frame.get_by_role("link", name="Ouvrir la carte complète").is_visible()
        assert frame.locator(".gc-marker, .marker-cluster").count() > 0


def test_on_a_phone_nothing_overlaps_and_the_filters_fold(site: Site, browser: Any) -> None:
    with view(browser, "membre-telephone", phone=True) as page:
        page.goto(site.base + "/")
        ready(page)
        assert page.locator("#gc-filters").is_hidden()           # folded at first
        parts = [".gc-title", ".gc-links", ".gc-search", "#gc-side", "#gc-status",
                 ".leaflet-control-scale", ".gc-attribution", ".leaflet-control-zoom"]
        assert overlaps(page, parts) == []
        assert small_targets(page) == []
        _from_comedie(page)
        assert overlaps(page, parts) == []
        page.get_by_role("button", name="Filtres").click()
        assert page.locator("#gc-filters").is_visible()
        assert overlaps(page, parts) == []
        assert small_targets(page) == []
        page.get_by_role("button", name="Masquer les filtres").click()
        assert page.locator("#gc-filters").is_hidden()


def test_member_searches_by_keyboard_and_nothing_leaves_in_a_url(site: Site,
                                                                browser: Any) -> None:
    with view(browser, "membre-recherche") as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(site.base + "/")
        ready(page)
        box = page.get_by_role("combobox", name="Adresse ou lieu")
        box.focus()
        page.keyboard.type("gare saint roch")
        page.wait_for_selector("#gc-suggestions li[id]")
        assert "Gare Saint-Roch" in page.locator("#gc-suggestions").inner_text()
        assert "arrêt de tram" in page.locator("#gc-suggestions").inner_text()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_selector("#gc-near li", timeout=30_000)
        assert "min à pied" in page.locator("#gc-near").inner_text()
        box.fill("zzqxw")
        page.wait_for_selector("#gc-suggestions li[aria-disabled]")
        assert "Aucun résultat pour « zzqxw »" in page.locator("#gc-suggestions").inner_text()
        assert not any("roch" in u.lower() or "lon=" in u or "lat=" in u for u in requests)


def test_member_map_in_english(site: Site, browser: Any) -> None:
    with view(browser, "member-english") as page:
        page.goto(site.base + "/")
        ready(page)
        page.get_by_role("link", name="English").click()
        ready(page)
        assert page.locator("html").get_attribute("lang") == "en"
        assert "to pay in MonA" in page.locator("#gc-status").inner_text()
        box = page.get_by_role("combobox", name="Address or place")
        box.fill("la paillade")
        page.wait_for_selector("#gc-suggestions li[id]")
        assert "La Paillade (Mosson)" in page.locator("#gc-suggestions").inner_text()
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_selector("#gc-near li", timeout=30_000)
        text = page.locator("#gc-side").inner_text()
        assert "min walk" not in text and " on foot" in text
        assert "à pied" not in text and "ouvert" not in text


def test_a_suggested_correction_shows_once_a_coordinator_accepts_it(site: Site,
                                                                   browser: Any) -> None:
    target = next(p for p in _places(site)
                  if p["kind"] != "market" and p["status"]["state"] == "unknown")
    with view(browser, "membre-proposition") as page:
        page.goto(site.base + "/")
        ready(page)
        page.get_by_role("link", name="Proposer un lieu").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("une correction des horaires d'un lieu").check()
        dialog.get_by_label("Lieu à corriger").select_option(target["key"])
        dialog.get_by_label("Jours et horaires").fill("mardi et samedi 7 h 30 – 13 h 30")
        dialog.get_by_role("button", name="Envoyer").click()
        page.wait_for_function("document.getElementById('gc-status').textContent"
                               ".startsWith('Merci')")
    # nothing public until a coordinator accepts it
    assert _place(site, target["key"])["opening_hours"] is None
    with view(browser, "coordination-propositions") as page:
        page.goto(site.base + "/coordination/propositions")
        login(page, "coord")
        ready(page)
        card = page.locator(".gc-card", has_text=target["name"])
        assert card.get_by_label("Horaires au format OSM").input_value() == "Tu,Sa 07:30-13:30"
        card.get_by_role("button", name="Accepter").click()
        page.wait_for_function("document.getElementById('gc-status').textContent"
                               ".includes('Horaires mis à jour')")
    with view(browser, "membre-horaires-corriges") as page:
        page.goto(site.base + f"/?lieu={target['key']}")
        ready(page)
        page.wait_for_selector(".leaflet-popup-content h2")
        assert "mardi et samedi : 7 h 30 – 13 h 30" in page.locator(
            ".leaflet-popup-content").inner_text()


def _places(site: Site) -> list[dict[str, Any]]:
    request = urllib.request.Request(site.base + "/api/places", method="POST",
                                     data=json.dumps({"max_walk_min": None}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as r:
        return list(json.loads(r.read())["places"])


def _place(site: Site, key: str) -> dict[str, Any]:
    return next(p for p in _places(site) if p["key"] == key)


def _headers(site: Site, path: str) -> dict[str, str]:
    with urllib.request.urlopen(site.base + path) as r:
        return {k.lower(): v for k, v in r.headers.items()}


@contextmanager
def _association_site(site: Site) -> Iterator[str]:
    """An association's page framing the embeddable map, served on another local port."""
    page = (f'<!doctype html><html lang="fr"><title>Association</title><h1>Notre association'
            f'</h1><iframe title="Carte" src="{site.base}/?embed=1" width="600" height="520">'
            "</iframe></html>").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
