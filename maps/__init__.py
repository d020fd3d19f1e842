"""Page builders (folium / Leaflet maps, and pages without a map) and their static assets;
uses geo_caisse, never the reverse."""

from maps._page import STATIC_DIR
from maps.accounts_page import build_accounts_page
from maps.budget_page import build_budget_page
from maps.conventionnement_page import build_conventionnement_page
from maps.coordinator_map import build_coordinator_map
from maps.draw_pages import build_draw_page, build_public_draw_page, build_unknown_draw_page
from maps.member_map import build_member_map
from maps.member_space import build_member_space
from maps.mona_map import build_mona_map
from maps.producer_map import build_producer_map
from maps.recruitment_map import build_recruitment_map
from maps.suggestions_page import build_suggestions_page
from maps.till_page import build_till_page
from maps.treasury_page import build_treasury_page
from maps.welcome_page import build_welcome_page

__all__ = ["STATIC_DIR", "build_accounts_page", "build_budget_page",
           "build_conventionnement_page", "build_coordinator_map", "build_draw_page",
           "build_member_map", "build_member_space", "build_mona_map", "build_producer_map",
           "build_public_draw_page", "build_recruitment_map", "build_suggestions_page",
           "build_till_page", "build_treasury_page", "build_unknown_draw_page",
           "build_welcome_page"]
