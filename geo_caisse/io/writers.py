"""Writing points of sale and markets as GeoJSON (RFC 7946), CSV or GeoPackage."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from geo_caisse.core.domain import (
    Market,
    PointOfSale,
)
from geo_caisse.io import _gdal
from geo_caisse.io.formats import Format, Layer, fields_of, format_of


# -------------------------------------------------------------------------------- writers
def _properties(obj: PointOfSale | Market) -> dict[str, Any]:
    if isinstance(obj, PointOfSale):
        return {
            "ref": obj.ref, "name": obj.name, "kind": obj.kind.value,
            "status": obj.status.value, "categories": ";".join(obj.categories),
            "opening_hours": obj.opening_hours, "wheelchair": obj.wheelchair.value,
            "accepts_mona": obj.accepts_mona, "address": obj.address,
            "market_ref": obj.market_ref, "source": obj.source,
        }
    return {"ref": obj.ref, "name": obj.name, "kind": obj.kind.value,
            "opening_hours": obj.opening_hours, "address": obj.address, "source": obj.source}


def to_feature_collection(objs: Iterable[PointOfSale | Market]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection (lon/lat, no crs member)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
         "properties": _properties(o)} for o in objs]}


#: what a spreadsheet reads as the start of a formula (OWASP, "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell starting like a formula, quoted with a leading ``'`` so that a
    spreadsheet shows it as text (the importer drops that quote again)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_lines(objs: Iterable[PointOfSale | Market], layer: Layer) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*fields_of(layer), "lon", "lat"], lineterminator="\n")
    writer.writeheader()
    for o in objs:
        props = {k: ("" if v is None else spreadsheet_safe(v)) for k, v in _properties(o).items()}
        writer.writerow({**props, "lon": f"{o.lon:.7f}", "lat": f"{o.lat:.7f}"})
    yield buf.getvalue()


def write_layer(objs: list[PointOfSale | Market], layer: Layer, path: Path | str,
                *, fmt: str | None = None) -> Path:
    """Write objects as GeoJSON, CSV or GeoPackage; the file is replaced whole."""
    p = Path(path)
    kind = format_of(p, fmt)
    tmp = p.with_name(f".{p.stem}.partial{p.suffix}")
    if kind == "geojson":
        tmp.write_text(json.dumps(to_feature_collection(objs), ensure_ascii=False),
                       encoding="utf-8")
    elif kind == "csv":
        tmp.write_text("".join(_csv_lines(objs, layer)), encoding="utf-8")
    else:
        tmp.unlink(missing_ok=True)
        _gdal.call(_gdal.write_gpkg, [_properties(o) for o in objs],
                   [(o.lon, o.lat) for o in objs], list(fields_of(layer)), str(tmp), layer)
    tmp.replace(p)
    return p


def export_bytes(objs: list[PointOfSale | Market], layer: Layer, fmt: Format) -> bytes:
    """The export as bytes (for HTTP downloads)."""
    if fmt == "geojson":
        return json.dumps(to_feature_collection(objs), ensure_ascii=False).encode()
    if fmt == "csv":
        return "".join(_csv_lines(objs, layer)).encode()
    import tempfile

    with tempfile.TemporaryDirectory() as tmpdir:
        path = write_layer(objs, layer, Path(tmpdir) / f"{layer}.gpkg", fmt="gpkg")
        return path.read_bytes()
