"""Page builders (folium / Leaflet maps, and pages without a map) and their static assets;
uses geo_caisse, never the reverse.

The builders are imported at their first use (folium and pandas with them): the app serves
its pages from :class:`maps.pages.Pages`, which keeps what it built on disk, so that a
restart neither builds a page nor imports folium.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

STATIC_DIR = Path(__file__).resolve().parent / "static"

if TYPE_CHECKING:
    from maps.accounts_page import build_accounts_page
    from maps.budget_page import build_budget_page
    from maps.conventionnement_page import build_conventionnement_page
    from maps.coordinator_map import build_coordinator_map
    from maps.draw_pages import (
        build_draw_page,
        build_public_draw_page,
        build_unknown_draw_page,
    )
    from maps.member_map import build_member_map
    from maps.member_space import build_member_space
    from maps.mona_map import build_mona_map
    from maps.producer_map import build_producer_map
    from maps.recruitment_map import build_recruitment_map
    from maps.suggestions_page import build_suggestions_page
    from maps.till_page import build_till_page
    from maps.treasury_page import build_treasury_page
    from maps.welcome_page import build_welcome_page

#: each builder's module
BUILDERS = {
    "build_accounts_page": "maps.accounts_page",
    "build_budget_page": "maps.budget_page",
    "build_conventionnement_page": "maps.conventionnement_page",
    "build_coordinator_map": "maps.coordinator_map",
    "build_draw_page": "maps.draw_pages",
    "build_member_map": "maps.member_map",
    "build_member_space": "maps.member_space",
    "build_mona_map": "maps.mona_map",
    "build_producer_map": "maps.producer_map",
    "build_public_draw_page": "maps.draw_pages",
    "build_recruitment_map": "maps.recruitment_map",
    "build_suggestions_page": "maps.suggestions_page",
    "build_till_page": "maps.till_page",
    "build_treasury_page": "maps.treasury_page",
    "build_unknown_draw_page": "maps.draw_pages",
    "build_welcome_page": "maps.welcome_page",
}


def __getattr__(name: str) -> Any:
    if name in BUILDERS:
        return getattr(importlib.import_module(BUILDERS[name]), name)
    raise AttributeError(f"module 'maps' has no attribute {name!r}")


__all__ = ["STATIC_DIR", "build_accounts_page", "build_budget_page",
           "build_conventionnement_page", "build_coordinator_map", "build_draw_page",
           "build_member_map", "build_member_space", "build_mona_map", "build_producer_map",
           "build_public_draw_page", "build_recruitment_map", "build_suggestions_page",
           "build_till_page", "build_treasury_page", "build_unknown_draw_page",
           "build_welcome_page"]
