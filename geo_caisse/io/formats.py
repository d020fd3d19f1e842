"""The file formats and layers geo_caisse imports and exports, and their fields."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from geo_caisse.core.errors import ValidationError

Layer = Literal["points_of_sale", "markets"]
LAYERS: tuple[Layer, ...] = ("points_of_sale", "markets")


Format = Literal["geojson", "csv", "gpkg"]


FORMATS: tuple[Format, ...] = ("geojson", "csv", "gpkg")


_SUFFIXES: dict[str, Format] = {".geojson": "geojson", ".json": "geojson", ".csv": "csv",
                                ".gpkg": "gpkg"}


POS_FIELDS = ("ref", "name", "kind", "status", "categories", "opening_hours", "wheelchair",
              "accepts_mona", "address", "market_ref", "source")


MARKET_FIELDS = ("ref", "name", "kind", "opening_hours", "address", "source")


def format_of(path: Path | str, fmt: str | None = None) -> Format:
    """The format named by ``fmt`` or by the file's suffix."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValidationError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValidationError(
            f"{Path(path).name}: cannot tell the format from suffix {suffix!r}; "
            f"use one of {', '.join(sorted(_SUFFIXES))} or name the format"
        )
    return _SUFFIXES[suffix]


def fields_of(layer: Layer) -> tuple[str, ...]:
    return POS_FIELDS if layer == "points_of_sale" else MARKET_FIELDS
