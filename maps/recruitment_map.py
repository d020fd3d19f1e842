"""The coordinators' recruitment page: how the members mirror the strata, and where to
hold recruitment stands (:mod:`geo_caisse.planning`), with the reasons. Data after login."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_page


def build_recruitment_map(territory: Territory, *, api_base: str = "/api") -> str:
    """The coordinators' recruitment page for ``territory``."""
    return login_page(territory, heading="Recrutement",
                      title="geo_caisse — coordination : recrutement",
                      login_heading="Connexion coordination", script="recruitment_map.js",
                      nav="/coordination/recrutement",
                      config={"api": api_base})
