"""The welcome page (``/bienvenue``): the code of an invitation letter, then a login and a
password (or a new password). The letter's QR code opens this page with the code in the
link's fragment, which the browser never sends; the page removes it from the history."""

from __future__ import annotations

from typing import Any

from geo_caisse.core.territory import Territory
from maps._page import plain_page

TEXT: dict[str, dict[str, Any]] = {
    "fr": {"title": "geo_caisse — bienvenue", "heading": "Bienvenue",
           "switch": ("/bienvenue?lang=en", "en", "English"), "code": "Code de votre lettre",
           "hint": "12 lettres et chiffres, par exemple ABCD-EFGH-JKMN (les tirets ne "
                   "comptent pas).", "go": "Continuer"},
    "en": {"title": "geo_caisse — welcome", "heading": "Welcome",
           "switch": ("/bienvenue", "fr", "Français"), "code": "Code of your letter",
           "hint": "12 letters and digits, e.g. ABCD-EFGH-JKMN (dashes do not count).",
           "go": "Continue"},
}


def build_welcome_page(territory: Territory, *, lang: str = "fr") -> str:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    t = TEXT[lang]
    href, code, label = t["switch"]
    main = ('<div id="gc-status" role="status" aria-live="polite"></div>'
            '<section class="gc-card" id="gc-step-code">'
            '<form id="gc-code-form" autocomplete="off">'
            f'<div class="gc-field"><label for="gc-code">{t["code"]}</label>'
            '<input id="gc-code" class="gc-large" maxlength="20" autocapitalize="characters" '
            f'spellcheck="false" aria-describedby="gc-code-hint"></div>'
            f'<p id="gc-code-hint" class="gc-note">{t["hint"]}</p>'
            f'<button type="submit" class="gc-primary gc-wide">{t["go"]}</button>'
            '<p id="gc-code-error" class="gc-error" role="alert"></p></form></section>'
            '<section class="gc-card" id="gc-step-login" hidden></section>')
    return plain_page(territory, title=t["title"], heading=t["heading"], main_html=main,
                      script="welcome_page.js", css="money_pages.css", lang=lang,
                      extra=f'<nav class="gc-links" aria-label="Liens"><a href="{href}" '
                            f'hreflang="{code}" lang="{code}">{label}</a></nav>',
                      config={})
