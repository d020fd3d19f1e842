"""The coordinators' Mona map: where members who spend live, where the Mona goes, the budget.

The page itself holds no data: after login (``POST /api/token``) ``static/mona_map.js``
reads the flows API with the access token. Every figure it draws aggregates at least
11 members; hidden ones are drawn hatched grey and labelled "secret statistique".
"""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import login_page


def build_mona_map(territory: Territory, *, api_base: str = "/api") -> str:
    """The coordinators' Mona page for ``territory``."""
    return login_page(territory, heading="Flux de MonA",
                      title="geo_caisse — coordination : flux de MonA",
                      login_heading="Connexion coordination", script="mona_map.js",
                      nav="/coordination/mona",
                      config={"api": api_base,
                              "min_members": territory.caisse.min_members_per_cell,
                              "centre_label": territory.caisse.centre_label})
