"""The coordinators' accounts (``/coordination/comptes``): invitation letters for the members
without a login (after a draw, a replacement or a referral), a referred person admitted
directly, letters for the conventionnés no login cashes at, and every login (disable,
enable, a new password by letter). Nothing beyond what enrolment already holds."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_form, plain_page


def build_accounts_page(territory: Territory) -> str:
    main = ('<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<div id="gc-panel">' + login_form("Connexion coordination") + "</div>")
    return plain_page(territory, title="geo_caisse — coordination : comptes",
                      heading="Comptes et invitations", main_html=main,
                      script="accounts_page.js", css="money_pages.css",
                      nav="/coordination/comptes", config={})
