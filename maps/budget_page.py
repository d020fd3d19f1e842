"""The committee's budget planner (``/coordination/budget``): the caisse's money since the
start from the ledger, and scenarios the committee edits, compares with the reference
budget, saves and prints (:mod:`geo_caisse.planning.budget`). Data after login."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_form, plain_page


def build_budget_page(territory: Territory) -> str:
    """The budget planner page for ``territory``."""
    main = ('<div id="gc-status" role="status" aria-live="polite">Connexion requise</div>'
            '<div id="gc-panel">' + login_form("Connexion du comité ou de la coordination") +
            "</div>")
    return plain_page(territory, title="geo_caisse — comité : budget",
                      heading="Budget", main_html=main, script="budget_page.js",
                      css="money_pages.css", nav="/coordination/budget", config={})
