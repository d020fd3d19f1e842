"""The member's space (``/moi``): balance, this month's allocation, the contribution, the
statement with each place's name, "Payer" (a one-time code shown big and as a QR code drawn
by the service) and the places open now nearest to them. French, English at ``?lang=en``.

The payment code lives in the page's memory only: never in a URL, the history or storage.
"""

from __future__ import annotations

from typing import Any

from geo_caisse.core.territory import Territory
from maps._page import login_form, plain_page

TEXT: dict[str, dict[str, Any]] = {
    "fr": {"title": "geo_caisse — mon espace MonA", "heading": "Mon espace MonA",
           "login": "Connexion membre", "switch": ("/moi?lang=en", "en", "English"),
           "map": "Carte des lieux",
           "first": 'Première connexion&nbsp;? <a href="/bienvenue">Entrez le code de votre '
                    "lettre</a>."},
    "en": {"title": "geo_caisse — my MonA space", "heading": "My MonA space",
           "login": "Member login", "switch": ("/moi", "fr", "Français"),
           "map": "Map of places",
           "first": 'First time? <a href="/bienvenue?lang=en">Enter the code of your '
                    "letter</a>."},
}


def build_member_space(territory: Territory, *, lang: str = "fr") -> str:
    """The member's space for ``territory`` (``lang``: fr or en)."""
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    t = TEXT[lang]
    href, code, label = t["switch"]
    links = (f'<nav class="gc-links" aria-label="{"Liens" if lang == "fr" else "Links"}">'
             f'<a href="/{"?lang=en" if lang == "en" else ""}">{t["map"]}</a>'
             f'<a href="{href}" hreflang="{code}" lang="{code}">{label}</a></nav>')
    main = ('<div id="gc-status" role="status" aria-live="polite"></div>'
            '<div id="gc-panel">'
            + login_form(t["login"], lang=lang, extra=f'<p class="gc-note">{t["first"]}</p>')
            + "</div>")
    return plain_page(territory, title=t["title"], heading=t["heading"], main_html=main,
                      script="member_space.js", css="money_pages.css", lang=lang,
                      extra=links, config={"caisse": territory.caisse.name or territory.name})
