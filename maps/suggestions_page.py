"""The coordinators' queue of suggestions from the member map: accept or refuse each.

A correction of hours is accepted with the hours written in OSM syntax (the page turns the
member's words into a first draft to check); a new place is placed on the map (from its
address, or a click) and enters the layers as a candidate. Data after login.
"""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_page


def build_suggestions_page(territory: Territory, *, api_base: str = "/api") -> str:
    """The coordinators' suggestions page for ``territory``."""
    return login_page(territory, heading="Propositions du public",
                      title="geo_caisse — coordination : propositions",
                      login_heading="Connexion coordination", script="suggestions_page.js",
                      nav="/coordination/propositions", config={"api": api_base})
