"""The member map: where to spend one's MonA today, in French (English at ``?lang=en``).

The page is built once per territory, language and form (full or ``embed``); its data comes
from the API (``static/member_map.js``): the places where the MonA is spent, filtered by
kind and moment (now, today, a day, a day and a time), the walk from a place the member
types, touches or shares ("Ma position") to each, a list of every place sorted by walking
time, a link to one place, and a form to suggest a place or correct its hours. Leaflet,
Leaflet.markercluster and protomaps-leaflet are served from ``maps/static/vendor``: the
page works without internet.
"""

from __future__ import annotations

from html import escape
from typing import Any

from folium.plugins import MarkerCluster

from geo_caisse.core.territory import Territory
from maps._page import STATIC_URL, STREET_ZOOM, base_map, header, local_assets, render_page

KINDS = ("market", "producer", "shop", "epicerie", "cooperative", "amap")
TEXT: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Où dépenser mes MonA&nbsp;?", "search": "Adresse ou lieu", "go": "Chercher",
        "example": "une adresse, une rue, un marché…",
        "note": "Recherche sur la carte, sans service extérieur&nbsp;; l'adresse n'est ni "
                "enregistrée ni transmise.", "loading": "Chargement…",
        "page": "geo_caisse — où dépenser mes MonA",
        "switch": ("/?lang=en", "en", "English"), "suggest": "Proposer un lieu",
        "filters": "Filtres", "locate": "Ma position", "full": "Ouvrir la carte complète",
        "kinds": "Type de lieu", "when": "Quand", "walk": "À pied",
        "kind": {"market": "Marchés", "producer": "Producteurs", "shop": "Commerces",
                 "epicerie": "Épiceries", "cooperative": "Supermarché coopératif",
                 "amap": "AMAP"},
        "whens": [("", "n'importe quand"), ("now", "ouvert maintenant"),
                  ("today", "aujourd'hui"), ("Mo", "lundi"), ("Tu", "mardi"),
                  ("We", "mercredi"), ("Th", "jeudi"), ("Fr", "vendredi"),
                  ("Sa", "samedi"), ("Su", "dimanche")],
        "time": "Heure", "times": [("", "toute la journée"), ("08:30", "tôt le matin (8 h 30)"),
                                   ("10:00", "le matin (10 h)"), ("12:30", "à midi (12 h 30)"),
                                   ("15:00", "l'après-midi (15 h)"),
                                   ("18:30", "le soir (18 h 30)")],
        "limits": [(5, "5 min"), (10, "10 min"), (15, "15 min"), (20, "20 min"),
                   (30, "30 min")],
        "near": "À pied d'ici", "all": "Tous les lieux",
        "s_title": "Proposer un lieu ou corriger des horaires",
        "s_what": "Je propose", "s_new": "un lieu où payer en MonA",
        "s_fix": "une correction des horaires d'un lieu", "s_name": "Nom du lieu",
        "s_place": "Lieu à corriger", "s_kind": "Type", "s_address": "Adresse",
        "s_hours": "Jours et horaires (par exemple : mardi et samedi 7 h 30 – 13 h 30)",
        "s_comment": "Précisions (facultatif)", "s_send": "Envoyer", "s_cancel": "Annuler",
        "s_note": "Votre proposition est lue par l'équipe de la caisse avant d'apparaître "
                  "sur la carte. N'indiquez ni votre nom ni vos coordonnées.",
    },
    "en": {
        "title": "Where can I spend my MonA?", "search": "Address or place", "go": "Search",
        "example": "an address, a street, a market…",
        "note": "Searched on the map itself, with no outside service; the address is "
                "neither kept nor sent anywhere.", "loading": "Loading…",
        "page": "geo_caisse — where to spend my MonA",
        "switch": ("/", "fr", "Français"), "suggest": "Suggest a place",
        "filters": "Filters", "locate": "My position", "full": "Open the full map",
        "kinds": "Kind of place", "when": "When", "walk": "On foot",
        "kind": {"market": "Markets", "producer": "Producers", "shop": "Shops",
                 "epicerie": "Groceries", "cooperative": "Cooperative supermarket",
                 "amap": "AMAP (farm box scheme)"},
        "whens": [("", "any time"), ("now", "open now"), ("today", "today"),
                  ("Mo", "Monday"), ("Tu", "Tuesday"), ("We", "Wednesday"),
                  ("Th", "Thursday"), ("Fr", "Friday"), ("Sa", "Saturday"),
                  ("Su", "Sunday")],
        "time": "Time", "times": [("", "all day"), ("08:30", "early morning (8:30)"),
                                  ("10:00", "morning (10:00)"), ("12:30", "noon (12:30)"),
                                  ("15:00", "afternoon (15:00)"),
                                  ("18:30", "evening (18:30)")],
        "limits": [(5, "5 min"), (10, "10 min"), (15, "15 min"), (20, "20 min"),
                   (30, "30 min")],
        "near": "On foot from here", "all": "Every place",
        "s_title": "Suggest a place or correct opening hours",
        "s_what": "I suggest", "s_new": "a place to pay in MonA",
        "s_fix": "a correction of a place's hours", "s_name": "Name of the place",
        "s_place": "Place to correct", "s_kind": "Kind", "s_address": "Address",
        "s_hours": "Days and hours (e.g. Tuesday and Saturday 7:30 – 13:30)",
        "s_comment": "Details (optional)", "s_send": "Send", "s_cancel": "Cancel",
        "s_note": "Your suggestion is read by the caisse's team before it shows on the "
                  "map. Do not give your name or contact details.",
    },
}


def _options(pairs: list[tuple[object, str]], selected: object = None) -> str:
    return "".join(f'<option value="{v}"' + (" selected" if v == selected else "") +
                   f">{label}</option>" for v, label in pairs)


def _suggest_form(t: dict[str, Any]) -> str:
    kinds = t["kind"]
    return (
        '<dialog id="gc-suggest" aria-labelledby="gc-suggest-title">'
        '<form id="gc-suggest-form" method="dialog">'
        f'<h2 id="gc-suggest-title">{t["s_title"]}</h2>'
        f'<fieldset><legend>{t["s_what"]}</legend>'
        f'<label class="gc-check"><input type="radio" name="what" value="new_place" checked>'
        f'{t["s_new"]}</label>'
        f'<label class="gc-check"><input type="radio" name="what" value="hours">'
        f'{t["s_fix"]}</label></fieldset>'
        f'<div data-what="new_place"><label for="gc-s-name">{t["s_name"]}</label>'
        '<input id="gc-s-name" name="name" maxlength="200" autocomplete="off">'
        f'<label for="gc-s-kind">{t["s_kind"]}</label><select id="gc-s-kind" name="kind">'
        + _options([(k, str(v)) for k, v in kinds.items() if k != "market"]) +
        f'</select><label for="gc-s-address">{t["s_address"]}</label>'
        '<input id="gc-s-address" name="address" maxlength="300" autocomplete="off"></div>'
        f'<div data-what="hours" hidden><label for="gc-s-place">{t["s_place"]}</label>'
        '<select id="gc-s-place" name="place"></select></div>'
        f'<label for="gc-s-hours">{t["s_hours"]}</label>'
        '<input id="gc-s-hours" name="hours" maxlength="200" autocomplete="off">'
        f'<label for="gc-s-comment">{t["s_comment"]}</label>'
        '<textarea id="gc-s-comment" name="comment" maxlength="1000" rows="3"></textarea>'
        f'<p class="gc-note">{t["s_note"]}</p>'
        '<p id="gc-s-error" class="gc-error" role="alert"></p>'
        '<div class="gc-row">'
        f'<button type="submit" class="gc-primary" value="send">{t["s_send"]}</button>'
        f'<button type="button" id="gc-s-cancel">{t["s_cancel"]}</button></div>'
        '</form></dialog>')


def build_member_map(territory: Territory, *, api_base: str = "/api", lang: str = "fr",
                     embed: bool = False) -> str:
    """The member map's HTML page for ``territory``, in French (default) or English;
    ``embed``: the compact view an association puts on its own site."""
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    t = TEXT[lang]
    fmap = base_map(territory, css="member_map.css", zoom=STREET_ZOOM)
    cluster = MarkerCluster(  # type: ignore[no-untyped-call]
        name="Lieux où payer en MonA", show=True,
        options={"maxClusterRadius": 40, "disableClusteringAtZoom": 16})
    local_assets(
        cluster,
        [("markerclusterjs", f"{STATIC_URL}/vendor/markercluster/leaflet.markercluster.js")],
        [("markerclustercss", f"{STATIC_URL}/vendor/markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss",
          f"{STATIC_URL}/vendor/markercluster/MarkerCluster.Default.css")],
    )
    cluster.add_to(fmap)
    href, code, label = t["switch"]
    example = escape(territory.search.example if territory.search and territory.search.example
                     else t["example"])
    links = (f'<nav class="gc-links" aria-label="{"Liens" if lang == "fr" else "Links"}">'
             f'<a class="gc-lang" href="{href}" hreflang="{code}" lang="{code}">{label}</a>'
             '</nav>')
    search = ('<form id="gc-search" class="gc-search" role="search" autocomplete="off">'
              f'<label for="gc-q" class="gc-search-label">{t["search"]}</label>'
              '<div class="gc-row">'
              '<input id="gc-q" type="search" role="combobox" aria-autocomplete="list" '
              'aria-expanded="false" aria-controls="gc-suggestions" maxlength="120" '
              f'placeholder="{example}">'
              f'<button type="submit">{t["go"]}</button></div>'
              '<ul id="gc-suggestions" role="listbox" aria-label="Suggestions" hidden></ul>'
              f'<p class="gc-note">{t["note"]}</p></form>')
    kinds = t["kind"]
    filters = (
        '<form id="gc-filters" class="gc-filters">'
        f'<fieldset><legend>{t["kinds"]}</legend>' + "".join(
            f'<label class="gc-check"><input type="checkbox" name="kind" value="{k}" checked>'
            f'<span class="gc-swatch gc-k-{k}" aria-hidden="true"></span>{kinds[k]}</label>'
            for k in KINDS) + "</fieldset>"
        f'<div class="gc-row"><label for="gc-when">{t["when"]}</label>'
        f'<select id="gc-when" name="when">{_options(t["whens"])}</select></div>'
        f'<div class="gc-row"><label for="gc-time">{t["time"]}</label>'
        f'<select id="gc-time" name="time" disabled>{_options(t["times"])}</select></div>'
        f'<div class="gc-row"><label for="gc-limit">{t["walk"]}</label>'
        f'<select id="gc-limit" name="limit">{_options(t["limits"], 15)}</select></div>'
        '</form>')
    side = (
        f'<aside id="gc-side" class="gc-side" aria-label="{t["filters"]}">'
        + (f'<p><a href="/" target="_blank" rel="noopener">{t["full"]} ↗</a></p>'
           if embed else "")
        + '<div class="gc-tools">'
        f'<button type="button" id="gc-locate">{t["locate"]}</button>'
        '<button type="button" id="gc-filters-toggle" aria-expanded="true" '
        f'aria-controls="gc-filters">{t["filters"]}</button>'
        f'<a id="gc-suggest-open" class="gc-button" href="#gc-suggest">{t["suggest"]}</a>'
        '</div>'
        + filters +
        f'<div id="gc-status" role="status" aria-live="polite">{t["loading"]}</div>'
        '<div class="gc-tabs" role="tablist">'
        '<button type="button" role="tab" id="gc-tab-near" aria-controls="gc-near" '
        f'aria-selected="true">{t["near"]}</button>'
        '<button type="button" role="tab" id="gc-tab-list" aria-controls="gc-list" '
        f'aria-selected="false" tabindex="-1">{t["all"]}</button></div>'
        '<section id="gc-near" role="tabpanel" aria-labelledby="gc-tab-near"></section>'
        '<section id="gc-list" role="tabpanel" aria-labelledby="gc-tab-list" hidden></section>'
        "</aside>")
    body = (header(territory, t["title"], extra=links + search) + side
            + _suggest_form(t))
    return render_page(fmap, territory, title=t["page"], body_html=body,
                       script=["gc_common.js", "member_map.js"], lang=lang,
                       body_class="gc-embed" if embed else "",
                       config={"api": api_base, "cluster": cluster.get_name(),
                               "embed": embed, "street_zoom": STREET_ZOOM})
