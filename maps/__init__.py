"""Map builders (folium / Leaflet) and their static assets; uses geo_caisse, never the reverse."""

from maps.member_map import STATIC_DIR, build_member_map

__all__ = ["STATIC_DIR", "build_member_map"]
