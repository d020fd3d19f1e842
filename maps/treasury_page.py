"""The coordinators' treasury (``/coordination/tresorerie``): the month's allocation of
MonA, the vendors' reconversion requests to approve or refuse, and the caisse's budget."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_form, plain_page


def build_treasury_page(territory: Territory) -> str:
    main = ('<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<div id="gc-panel">' + login_form("Connexion coordination") + "</div>")
    return plain_page(territory, title="geo_caisse — coordination : trésorerie",
                      heading="Trésorerie", main_html=main, script="treasury_page.js",
                      css="money_pages.css", nav="/coordination/tresorerie",
                      config={"allocation": str(territory.caisse.monthly_allocation_mona)})
