"""The public draw: the coordinators' page (``/coordination/tirage``: the waiting list by
stratum, the quotas, the seed, the draw, the entering members' letters, exits and
replacements) and each draw's public page (``/tirage/{id}``: what anyone needs to check
it, and the check itself)."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_form, plain_page


def build_draw_page(territory: Territory) -> str:
    main = ('<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<div id="gc-panel">' + login_form("Connexion coordination") + "</div>")
    return plain_page(territory, title="geo_caisse — coordination : tirage au sort",
                      heading="Tirage au sort des nouveaux membres", main_html=main,
                      script="draw_page.js", css="money_pages.css",
                      nav="/coordination/tirage", config={})


def build_public_draw_page(territory: Territory) -> str:
    main = ('<div id="gc-status" role="status" aria-live="polite">Chargement du tirage…</div>'
            '<div id="gc-panel"></div>')
    return plain_page(territory, title="geo_caisse — résultat d'un tirage au sort public",
                      heading="Résultat du tirage au sort", main_html=main,
                      script="draw_result.js", css="money_pages.css", config={})


def build_unknown_draw_page(territory: Territory) -> str:
    main = ('<section class="gc-card"><h2>Ce tirage n\'existe pas</h2><p>Aucun tirage au '
            "sort ne porte ce numéro. Vérifiez l'adresse, ou demandez-la à l'équipe de la "
            'caisse.</p><p><a href="/">Retour à la carte</a></p></section>')
    return plain_page(territory, title="geo_caisse — tirage introuvable",
                      heading="Tirage introuvable", main_html=main, script=None,
                      css="money_pages.css", config={})
