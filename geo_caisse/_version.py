"""The one version string of geo_caisse (``pyproject.toml`` reads it from here)."""

__version__ = "0.2.0"
