"""API schemas, separate from tables: what may leave the server, route by route.

For anything about members, a response model is the allow-list of what a route may send:
FastAPI drops any other field. GeoJSON goes through geojson-pydantic (RFC 7946).
"""
