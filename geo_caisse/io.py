"""Import and export of points of sale and markets: GeoJSON, CSV (lon/lat) and GeoPackage.

Reading validates every row and collects every problem, with its row or feature
number (from 1), before anything is written: a file with one bad row raises
:class:`~geo_caisse._errors.ImportFileError` and the caller writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.geometry import shape

from geo_caisse._errors import CRSError, ImportFileError, Problem, ValidationError
from geo_caisse.crs import WGS84, parse_crs, transformer
from geo_caisse.domain import (
    Market,
    MarketKind,
    PointOfSale,
    PointOfSaleKind,
    Status,
    Wheelchair,
    parse_categories,
    parse_enum,
)
from geo_caisse.opening_hours import parse_opening_hours
from geo_caisse.territory import Territory

Layer = Literal["points_of_sale", "markets"]
Format = Literal["geojson", "csv", "gpkg"]
FORMATS: tuple[Format, ...] = ("geojson", "csv", "gpkg")
_SUFFIXES: dict[str, Format] = {".geojson": "geojson", ".json": "geojson", ".csv": "csv",
                                ".gpkg": "gpkg"}

POS_FIELDS = ("ref", "name", "kind", "status", "categories", "opening_hours", "wheelchair",
              "accepts_mona", "address", "market_ref", "source")
MARKET_FIELDS = ("ref", "name", "kind", "opening_hours", "address", "source")
_TRUE = {"true", "1", "yes", "oui", "y"}
_FALSE = {"false", "0", "no", "non", "n", ""}


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


@dataclass(frozen=True)
class RawRow:
    """One row or feature as read: its number, properties and geometry (or why it has none)."""

    number: int
    properties: Mapping[str, Any]
    geometry: shapely.Geometry | None
    geometry_problem: str | None = None


# ------------------------------------------------------------------------------- readers
def _geojson_rows(data: bytes, source: str) -> tuple[list[RawRow], str]:
    try:
        doc = json.loads(data, parse_constant=lambda c: float(c.lower()))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{source}: not valid GeoJSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationError(f"{source}: a GeoJSON FeatureCollection is expected")
    features = doc.get("features")
    if not isinstance(features, list):
        raise ValidationError(f"{source}: 'features' must be a list")
    crs = WGS84
    if "crs" in doc:  # the 2008 GeoJSON member; RFC 7946 files have none and are WGS84
        try:
            name = doc["crs"]["properties"]["name"]
        except (KeyError, TypeError) as exc:
            raise CRSError(f"{source}: malformed 'crs' member {doc['crs']!r}") from exc
        crs = parse_crs(name, name=f"{source} crs").to_string()
    rows = []
    for i, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            rows.append(RawRow(i, {}, None, "not a GeoJSON Feature"))
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            rows.append(RawRow(i, {}, None, "properties must be an object"))
            continue
        geom_doc = feature.get("geometry")
        if geom_doc is None:
            rows.append(RawRow(i, props, None, "no geometry"))
            continue
        try:
            geom = shape(geom_doc)
        except Exception as exc:  # shapely raises several classes on bad input
            rows.append(RawRow(i, props, None, f"geometry not understood ({exc})"))
            continue
        rows.append(RawRow(i, props, geom))
    return rows, crs


def _csv_rows(data: bytes, source: str, crs: str | None) -> tuple[list[RawRow], str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{source}: a CSV must be UTF-8 ({exc})") from exc
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = reader.fieldnames or []
    x_col, y_col = ("lon", "lat") if crs is None else ("x", "y")
    missing = [c for c in (x_col, y_col) if c not in header]
    if missing:
        raise ValidationError(
            f"{source}: missing column(s) {', '.join(missing)}; a CSV needs {x_col} and {y_col}"
            + (" (WGS84 degrees)" if crs is None else f" (in {crs})")
        )
    rows = []
    for i, record in enumerate(reader, start=1):
        if None in record:
            rows.append(RawRow(i, {}, None, "more values than columns"))
            continue
        props = {k: v for k, v in record.items() if k not in (x_col, y_col)}
        try:
            x, y = float(record[x_col] or "nan"), float(record[y_col] or "nan")
        except (TypeError, ValueError):
            rows.append(RawRow(i, props, None,
                               f"{x_col}/{y_col} must be numbers, got "
                               f"{record[x_col]!r}/{record[y_col]!r}"))
            continue
        rows.append(RawRow(i, props, shapely.Point(x, y)))
    return rows, crs or WGS84


def _gdal_call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a GDAL (pyogrio) task in a fresh process.

    GDAL's wheel bundles its own SQLite; in a process where sqlite3 has loaded
    mod_spatialite the two libraries collide (GeoPackage writes crash). A spawned
    process keeps them apart.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _gpkg_read_worker(path: str, source: str) -> tuple[list[dict[str, Any]],
                                                     list[bytes | None], str | None]:
    import pyogrio

    try:
        info = pyogrio.read_info(path)
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(f"{source}: not a readable GeoPackage ({exc})") from None
    crs = info.get("crs")
    props = [{k: (None if _is_nan(v) else v) for k, v in rec.items()}
             for rec in gdf.drop(columns="geometry").to_dict(orient="records")]
    wkbs = [None if g is None else shapely.to_wkb(g) for g in gdf.geometry]
    return props, wkbs, None if crs is None else str(crs)


def _points_worker(path: str, columns: tuple[str, ...]) -> tuple[Any, Any, str | None,
                                                                 dict[str, Any], list[str]]:
    import numpy as np
    import pyogrio

    try:
        info = pyogrio.read_info(path)
        gdf = pyogrio.read_dataframe(path, columns=list(columns))
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(f"{path}: not a readable vector file ({exc})") from None
    present = [c for c in columns if c in gdf.columns]
    geoms = gdf.geometry.values
    kinds = sorted({str(t) for t in shapely.get_type_id(geoms).tolist()})
    pts = geoms if kinds == ["0"] else shapely.centroid(geoms)
    x = np.asarray(shapely.get_x(pts), dtype=float)
    y = np.asarray(shapely.get_y(pts), dtype=float)
    cols = {c: gdf[c].to_numpy() for c in present}
    crs = info.get("crs")
    return x, y, None if crs is None else str(crs), cols, present


def read_point_arrays(path: Path | str, columns: tuple[str, ...] = ()
                      ) -> tuple[Any, Any, str, dict[str, Any]]:
    """Coordinates (in the file's CRS) and ``columns`` of a point (or polygon) layer.

    Polygons are reduced to their centroids (e.g. the cells of a population grid). A file
    without CRS, or without one of ``columns``, raises.
    """
    name = Path(path).name
    if not Path(path).is_file():
        raise ValidationError(f"{path}: file not found")
    x, y, crs, cols, present = _gdal_call(_points_worker, str(path), tuple(columns))
    if crs is None:
        raise CRSError(f"{name}: the layer has no CRS")
    missing = sorted(set(columns) - set(present))
    if missing:
        raise ValidationError(f"{name}: missing column(s) {', '.join(missing)}")
    return x, y, crs, cols


def _gpkg_rows(path: Path, source: str) -> tuple[list[RawRow], str]:
    props, wkbs, crs_text = _gdal_call(_gpkg_read_worker, str(path), source)
    if crs_text is None:
        raise CRSError(f"{source}: the layer has no CRS")
    crs = parse_crs(crs_text, name=source).to_string()
    rows = []
    for i, (record, wkb) in enumerate(zip(props, wkbs, strict=True), start=1):
        geom = None if wkb is None else shapely.from_wkb(wkb)
        rows.append(RawRow(i, record, geom, None if geom is not None else "no geometry"))
    return rows, crs


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def read_rows(path: Path | str, *, fmt: str | None = None, crs: str | None = None,
              source: str | None = None) -> tuple[list[RawRow], str]:
    """Read a file's rows without validating them; returns the rows and the file's CRS."""
    p = Path(path)
    name = source or p.name
    kind = format_of(p, fmt)
    if kind == "gpkg":
        return _gpkg_rows(p, name)
    if crs is not None:
        crs = parse_crs(crs, name="crs").to_string()
    data = p.read_bytes()
    if kind == "geojson":
        if crs is not None:
            raise ValidationError("crs applies to CSV files only: GeoJSON says its own CRS")
        return _geojson_rows(data, name)
    return _csv_rows(data, name, crs)


# ----------------------------------------------------------------------------- validation
def _text(props: Mapping[str, Any], key: str, *, required: bool = False,
          max_len: int = 500) -> str | None:
    value = props.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{key} is required")
        return None
    if not isinstance(value, str | int):
        raise ValidationError(f"{key} must be text, got {type(value).__name__}")
    out = str(value).strip()
    if len(out) > max_len:
        raise ValidationError(f"{key} is longer than {max_len} characters")
    return out


def _bool(props: Mapping[str, Any], key: str) -> bool:
    value = props.get(key)
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"{key} must be true or false, got {value!r}")


def _point(row: RawRow, crs: str, territory: Territory) -> tuple[float, float]:
    if row.geometry_problem:
        raise ValidationError(row.geometry_problem)
    geom: Any = row.geometry
    if geom is None or geom.is_empty:
        raise ValidationError("empty geometry")
    if geom.geom_type != "Point":
        raise ValidationError(f"a Point is expected, got a {geom.geom_type}")
    x, y = geom.x, geom.y
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValidationError(f"coordinates are not finite numbers ({x!r}, {y!r})")
    if crs != WGS84:
        x, y = transformer(crs, WGS84).transform(x, y)
    territory.check_inside(float(x), float(y), name="geometry")
    return float(x), float(y)


def _point_of_sale(row: RawRow, lon: float, lat: float) -> PointOfSale:
    p = row.properties
    status = parse_enum(Status, p.get("status") or "candidate", name="status")
    accepts = (_bool(p, "accepts_mona") if p.get("accepts_mona") not in (None, "")
               else status is Status.CONVENTIONNE)
    hours = _text(p, "opening_hours")
    return PointOfSale(
        ref=_text(p, "ref", required=True, max_len=100) or "",
        name=_text(p, "name", required=True, max_len=200) or "",
        kind=parse_enum(PointOfSaleKind, p.get("kind"), name="kind"),
        lon=lon,
        lat=lat,
        status=status,
        categories=parse_categories(p.get("categories")),
        opening_hours=parse_opening_hours(hours).source if hours else None,
        wheelchair=parse_enum(Wheelchair, p.get("wheelchair") or "unknown", name="wheelchair"),
        accepts_mona=accepts,
        address=_text(p, "address"),
        market_ref=_text(p, "market_ref", max_len=100),
        source=_text(p, "source", max_len=1000),
    )


def _market(row: RawRow, lon: float, lat: float) -> Market:
    p = row.properties
    hours = _text(p, "opening_hours", required=True) or ""
    return Market(
        ref=_text(p, "ref", required=True, max_len=100) or "",
        name=_text(p, "name", required=True, max_len=200) or "",
        kind=parse_enum(MarketKind, p.get("kind"), name="kind"),
        lon=lon,
        lat=lat,
        opening_hours=parse_opening_hours(hours).source,
        address=_text(p, "address"),
        source=_text(p, "source", max_len=1000),
    )


_BUILDERS: dict[str, Callable[[RawRow, float, float], PointOfSale | Market]] = {
    "points_of_sale": _point_of_sale,
    "markets": _market,
}


def validate_rows(rows: Iterable[RawRow], crs: str, layer: Layer, territory: Territory,
                  *, source: str) -> list[Any]:
    """Turn raw rows into domain objects, or raise one ImportFileError listing every problem."""
    if layer not in _BUILDERS:
        raise ValidationError(f"layer must be one of {', '.join(_BUILDERS)}, got {layer!r}")
    build = _BUILDERS[layer]
    problems: list[Problem] = []
    out: list[Any] = []
    seen: dict[str, int] = {}
    for row in rows:
        try:
            lon, lat = _point(row, crs, territory)
        except ValidationError as exc:
            problems.append(Problem(row.number, str(exc), "geometry"))
            continue
        try:
            obj = build(row, lon, lat)
        except ValidationError as exc:
            problems.append(Problem(row.number, str(exc)))
            continue
        if obj.ref in seen:
            problems.append(Problem(row.number, f"ref {obj.ref!r} already used on row "
                                                f"{seen[obj.ref]}", "ref"))
            continue
        seen[obj.ref] = row.number
        out.append(obj)
    if problems:
        raise ImportFileError(source, problems)
    if not out:
        raise ImportFileError(source, [Problem(1, "the file holds no row")])
    return out


def read_layer(path: Path | str, layer: Layer, territory: Territory, *, fmt: str | None = None,
               crs: str | None = None, source: str | None = None) -> list[Any]:
    """Read and validate a points-of-sale or markets file."""
    name = source or Path(path).name
    rows, file_crs = read_rows(path, fmt=fmt, crs=crs, source=name)
    return validate_rows(rows, file_crs, layer, territory, source=name)


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


def _fields(layer: Layer) -> tuple[str, ...]:
    return POS_FIELDS if layer == "points_of_sale" else MARKET_FIELDS


def to_feature_collection(objs: Iterable[PointOfSale | Market]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection (lon/lat, no crs member)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
         "properties": _properties(o)} for o in objs]}


def _csv_lines(objs: Iterable[PointOfSale | Market], layer: Layer) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*_fields(layer), "lon", "lat"], lineterminator="\n")
    writer.writeheader()
    for o in objs:
        props = {k: ("" if v is None else v) for k, v in _properties(o).items()}
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
        _gdal_call(_gpkg_write_worker, [_properties(o) for o in objs],
                   [(o.lon, o.lat) for o in objs], list(_fields(layer)), str(tmp), layer)
    tmp.replace(p)
    return p


def _gpkg_write_worker(records: list[dict[str, Any]], lonlat: list[tuple[float, float]],
                       columns: list[str], path: str, layer: str) -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(records, columns=columns,
                           geometry=[shapely.Point(x, y) for x, y in lonlat], crs=WGS84)
    gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


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
