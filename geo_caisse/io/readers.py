"""Reading files into raw rows (not yet validated), point arrays and the neighbourhoods."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import shape

from geo_caisse.core.crs import WGS84, parse_crs
from geo_caisse.core.domain import Neighbourhood
from geo_caisse.core.errors import CRSError, DataError, ValidationError
from geo_caisse.io import _gdal
from geo_caisse.io.formats import format_of

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory


@dataclass(frozen=True)
class RawRow:
    """One row or feature as read: its number, properties and geometry (or why it has none)."""

    number: int
    properties: Mapping[str, Any]
    geometry: shapely.Geometry | None
    geometry_problem: str | None = None
    #: the file cannot be read past this row (validation stops here)
    last: bool = False


# ------------------------------------------------------------------------------- readers
#: the longest integer read from a GeoJSON file as an integer (a longer one becomes a float:
#: Python refuses to convert over 4,300 digits, and no count or coordinate needs 19)
_MAX_INT_DIGITS = 18


def _short(value: object, limit: int = 40) -> str:
    """A short excerpt of bad input for a message (never the whole of it)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _json_int(text: str) -> int | float:
    return int(text) if len(text) <= _MAX_INT_DIGITS + 1 else float(text)


def _lonlat(geom_doc: Any) -> tuple[shapely.Geometry | None, str | None]:
    """A GeoJSON geometry as a Point, or why it is not one (other types are named)."""
    if not isinstance(geom_doc, dict):
        return None, "geometry must be a GeoJSON object"
    kind = geom_doc.get("type")
    if kind != "Point":
        named = kind[:40] if isinstance(kind, str) else _short(kind)
        return None, f"a Point is expected, got a {named}"
    coords = geom_doc.get("coordinates")
    if not isinstance(coords, list):
        return None, "coordinates must be a list [lon, lat]"
    if not coords:
        return None, "empty geometry"
    if len(coords) != 2:
        return None, (f"a Point has 2 coordinates [lon, lat], got {len(coords)}"
                      + (" (a third one, an altitude, is not kept: remove it)"
                         if len(coords) == 3 else ""))
    for c in coords:
        if isinstance(c, bool) or not isinstance(c, int | float):
            return None, f"coordinates must be numbers, got {_short(c)} ({type(c).__name__})"
    return shapely.Point(float(coords[0]), float(coords[1])), None


def _geojson_rows(data: bytes, source: str) -> tuple[list[RawRow], str]:
    try:
        doc = json.loads(data, parse_constant=lambda c: float(c.lower()), parse_int=_json_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{source}: not valid GeoJSON ({_short(str(exc), 120)})") from None
    except RecursionError:
        raise ValidationError(f"{source}: not valid GeoJSON (nested too deep)") from None
    except ValueError as exc:  # a number Python will not convert
        raise ValidationError(f"{source}: not valid GeoJSON ({_short(str(exc), 120)})") from None
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
            raise CRSError(f"{source}: malformed 'crs' member {_short(doc['crs'], 80)}"
                           ) from exc
        if not isinstance(name, str) or len(name) > 200:
            raise CRSError(f"{source}: malformed 'crs' name {_short(name, 80)}")
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
        geom, problem = _lonlat(geom_doc)
        rows.append(RawRow(i, props, geom, problem))
    return rows, crs


#: a formula-looking cell an export escaped with a quote (see geo_caisse.io.writers)
_ESCAPED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _unescape(value: str | None) -> str | None:
    return value[1:] if value is not None and value.startswith(_ESCAPED) else value


def _csv_rows(path: Path, source: str, crs: str | None) -> tuple[Iterator[RawRow], str]:
    """The CSV's rows, read as they are validated (memory bounded by a row, not the file)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{source}: a CSV must be UTF-8 ({exc.reason})") from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = csv.DictReader(fh, dialect=dialect).fieldnames or []
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValidationError(f"{source}: the header cannot be read ({_short(str(exc), 80)})"
                              ) from None
    x_col, y_col = ("lon", "lat") if crs is None else ("x", "y")
    missing = [c for c in (x_col, y_col) if c not in header]
    if missing:
        raise ValidationError(
            f"{source}: missing column(s) {', '.join(missing)}; a CSV needs {x_col} and {y_col}"
            + (" (WGS84 degrees)" if crs is None else f" (in {crs})")
        )

    def rows() -> Iterator[RawRow]:
        i = 0
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, dialect=dialect)
            while True:
                i += 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # a field over csv.field_size_limit(), bad quoting
                    yield RawRow(i, {}, None, f"unreadable row ({_short(str(exc), 80)})", True)
                    return
                except UnicodeDecodeError as exc:
                    yield RawRow(i, {}, None, f"not UTF-8 text ({exc.reason})", True)
                    return
                if None in record:
                    yield RawRow(i, {}, None, "more values than columns")
                    continue
                props = {k: _unescape(v) for k, v in record.items() if k not in (x_col, y_col)}
                try:
                    x, y = float(record[x_col] or "nan"), float(record[y_col] or "nan")
                except (TypeError, ValueError):
                    yield RawRow(i, props, None,
                                 f"{x_col}/{y_col} must be numbers, got "
                                 f"{_short(record[x_col])}/{_short(record[y_col])}")
                    continue
                yield RawRow(i, props, shapely.Point(x, y))

    return rows(), crs or WGS84


def read_point_arrays(path: Path | str, columns: tuple[str, ...] = ()
                      ) -> tuple[Any, Any, str, dict[str, Any]]:
    """Coordinates (in the file's CRS) and ``columns`` of a point (or polygon) layer.

    Polygons are reduced to their centroids (e.g. the cells of a population grid). A file
    without CRS, or without one of ``columns``, raises.
    """
    name = Path(path).name
    if not Path(path).is_file():
        raise ValidationError(f"{path}: file not found")
    x, y, crs, cols, present = _gdal.call(_gdal.read_points, str(path), tuple(columns))
    if crs is None:
        raise CRSError(f"{name}: the layer has no CRS")
    missing = sorted(set(columns) - set(present))
    if missing:
        raise ValidationError(f"{name}: missing column(s) {', '.join(missing)}")
    return x, y, crs, cols


@dataclass(frozen=True)
class VectorLayer:
    """A vector file read whole: its geometries (shapely) in its CRS and some columns."""

    name: str
    geometries: list[Any]
    crs: str
    columns: dict[str, list[Any]]


def read_vector_layers(requests: Sequence[tuple[Path, Sequence[str]]]) -> list[VectorLayer]:
    """Each ``(path, columns)`` as a :class:`VectorLayer` (one GDAL process for them all).

    A missing file, a layer without CRS or a missing column raises, naming the file."""
    for path, _ in requests:
        if not Path(path).is_file():
            raise DataError(f"{path}: file not found")
    read = _gdal.call(_gdal.read_geometries, [(str(p), tuple(c)) for p, c in requests])
    out = []
    for (path, columns), (wkbs, crs, cols, present) in zip(requests, read, strict=True):
        name = Path(path).name
        if crs is None:
            raise CRSError(f"{name}: the layer has no CRS")
        missing = sorted(set(columns) - set(present))
        if missing:
            raise DataError(f"{name}: missing column(s) {', '.join(missing)}")
        geoms = [None if w is None else shapely.from_wkb(w) for w in wkbs]
        out.append(VectorLayer(name, geoms, parse_crs(crs, name=name).to_string(), cols))
    return out


def _gpkg_rows(path: Path, source: str, layer: str | None) -> tuple[list[RawRow], str]:
    props, wkbs, crs_text = _gdal.call(_gdal.read_gpkg, str(path), source, layer)
    if crs_text is None:
        raise CRSError(f"{source}: the layer has no CRS")
    crs = parse_crs(crs_text, name=source).to_string()
    rows = []
    for i, (record, wkb) in enumerate(zip(props, wkbs, strict=True), start=1):
        geom = None if wkb is None else shapely.from_wkb(wkb)
        problem = None if geom is not None else "no geometry"
        if geom is not None and shapely.has_z(geom):
            problem = ("a third coordinate (an altitude) is not kept: write the layer in 2D")
        rows.append(RawRow(i, record, geom, problem))
    return rows, crs


def read_rows(path: Path | str, *, fmt: str | None = None, crs: str | None = None,
              source: str | None = None, layer: str | None = None
              ) -> tuple[Iterable[RawRow], str]:
    """Read a file's rows without validating them; returns the rows and the file's CRS.

    A CSV's rows are read as they are consumed (the file stays open until then); a
    GeoPackage holding several layers needs ``layer``, its layer's name.
    """
    p = Path(path)
    name = source or p.name
    kind = format_of(p, fmt)
    if layer is not None and kind != "gpkg":
        raise ValidationError("layer names a GeoPackage's layer: other formats have one")
    if kind == "gpkg":
        return _gpkg_rows(p, name, layer)
    if crs is not None:
        crs = parse_crs(crs, name="crs").to_string()
    if kind == "geojson":
        if crs is not None:
            raise ValidationError("crs applies to CSV files only: GeoJSON says its own CRS")
        return _geojson_rows(p.read_bytes(), name)
    return _csv_rows(p, name, crs)


def load_neighbourhoods_file(path: Path, territory: Territory
                             ) -> list[tuple[Neighbourhood, Any]]:
    """Read the territory's neighbourhoods GeoJSON (WGS84).

    Each neighbourhood's level must be one of ``territory``'s, and its ``parent_code`` must
    name a neighbourhood of a coarser level (or none).
    """
    if not path.is_file():
        raise DataError(f"neighbourhoods file {path} not found")
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, f in enumerate(doc.get("features", []), start=1):
        p = f["properties"]
        try:
            extra = p.get("extra") or {}
            if isinstance(extra, str):
                extra = json.loads(extra)
            n = Neighbourhood(
                code=str(p["code"]), name=str(p["name"]),
                level=territory.level(str(p["level"]), name="level").code,
                population=None if p.get("population") is None else int(p["population"]),
                population_year=None if p.get("population_year") is None
                else int(p["population_year"]),
                parent_code=p.get("parent_code"),
                median_income_uc_eur=p.get("median_income_uc_eur"),
                benefit_dependent_share=p.get("benefit_dependent_share"), extra=extra,
            )
            geom = shape(f["geometry"])
        except (KeyError, ValueError, TypeError) as exc:
            raise DataError(f"{path} feature {i}: {exc}") from exc
        if not geom.is_valid or geom.is_empty:
            raise DataError(f"{path} feature {i} ({n.code}): invalid or empty geometry")
        out.append((n, geom))
    level_of = {n.code: n.level for n, _ in out}
    for n, _ in out:
        parent = level_of.get(str(n.parent_code)) if n.parent_code else None
        if parent is not None and territory.level_rank(parent) >= territory.level_rank(n.level):
            raise DataError(f"{path} {n.code}: parent_code {n.parent_code!r} is a {parent}, "
                            f"not coarser than its {n.level} (levels coarse to fine: "
                            f"{', '.join(territory.level_codes)})")
    return out
