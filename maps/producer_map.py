"""The producers' page: the demand near their own point of sale, aggregated to areas of at
least 11 members (:mod:`geo_caisse.planning.demand`). Data after login."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_page


def build_producer_map(territory: Territory, *, api_base: str = "/api") -> str:
    """A producer's demand page for ``territory``."""
    return login_page(territory, heading="Ma demande",
                      title="geo_caisse — producteur : ma demande",
                      login_heading="Connexion producteur", script="producer_map.js",
                      config={"api": api_base})
