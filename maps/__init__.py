"""Map builders (folium / Leaflet) and their static assets; uses geo_caisse, never the reverse."""

from maps._page import STATIC_DIR
from maps.coordinator_map import build_coordinator_map
from maps.member_map import build_member_map
from maps.mona_map import build_mona_map
from maps.producer_map import build_producer_map
from maps.recruitment_map import build_recruitment_map
from maps.suggestions_page import build_suggestions_page

__all__ = ["STATIC_DIR", "build_coordinator_map", "build_member_map", "build_mona_map",
           "build_producer_map", "build_recruitment_map", "build_suggestions_page"]
