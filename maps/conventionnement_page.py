"""The committee's conventionnement page: the candidates on the map coloured by the stage
of their dossier, each dossier with its criteria grid, what conventioning it would change,
its documents, the meeting and the decision (:mod:`geo_caisse.layers.conventionnement`).
Data after login (the committee or the coordinators)."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_page


def build_conventionnement_page(territory: Territory, *, api_base: str = "/api") -> str:
    """The conventionnement page for ``territory``."""
    return login_page(territory, heading="Conventionnement",
                      title="geo_caisse — comité : conventionnement",
                      login_heading="Connexion du comité ou de la coordination",
                      script="conventionnement_page.js", nav="/coordination/conventionnement",
                      config={"api": api_base,
                              "threshold_min": territory.access.desert_threshold_min,
                              "min_members": territory.caisse.min_members_per_cell})
