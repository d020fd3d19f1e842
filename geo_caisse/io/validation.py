"""Validation of imported rows into points of sale and markets.

Every row is validated and every problem collected, with its row or feature number (from 1),
before anything is written: a file with one bad row raises
:class:`~geo_caisse.core.errors.ImportFileError` and the caller writes nothing.

Hours that OSM's ``opening_hours`` parser does not understand do not make a row bad: the
row is kept with its hours as written (hours *to be checked*, see
:func:`~geo_caisse.core.opening_hours.read_opening_hours`), and a *note* naming the row and
the reason is added to the ``notes`` list the caller passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from geo_caisse.core.crs import WGS84, transformer
from geo_caisse.core.domain import (
    Market,
    MarketKind,
    PointOfSale,
    PointOfSaleKind,
    Status,
    Wheelchair,
    parse_categories,
    parse_enum,
)
from geo_caisse.core.errors import ImportFileError, Problem, ValidationError
from geo_caisse.core.opening_hours import read_opening_hours
from geo_caisse.core.territory import Territory
from geo_caisse.io.formats import Layer
from geo_caisse.io.readers import RawRow, read_rows

_TRUE = {"true", "1", "yes", "oui", "y"}


_FALSE = {"false", "0", "no", "non", "n", ""}

#: validation stops after this many problems (the first ones are reported, and where)
MAX_PROBLEMS = 100

#: control characters refused in text (tab, line feed and carriage return are allowed)
_CONTROL = {c for c in range(32) if c not in (9, 10, 13)} | {127}


# ----------------------------------------------------------------------------- validation
def _text(props: Mapping[str, Any], key: str, *, required: bool = False,
          max_len: int = 500) -> str | None:
    value = props.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(f"{key} must be text, got {type(value).__name__} "
                              f"{str(value)[:20]!r}")
    out = str(value).strip()
    if len(out) > max_len:
        raise ValidationError(f"{key} is longer than {max_len} characters")
    bad = next((ch for ch in out if ord(ch) in _CONTROL), None)
    if bad is not None:
        name = "NUL" if bad == "\0" else f"U+{ord(bad):04X}"
        raise ValidationError(f"{key} holds a control character ({name})")
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
        opening_hours=hours,
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
        opening_hours=hours,
        address=_text(p, "address"),
        source=_text(p, "source", max_len=1000),
    )


_BUILDERS: dict[str, Callable[[RawRow, float, float], PointOfSale | Market]] = {
    "points_of_sale": _point_of_sale,
    "markets": _market,
}


def validate_numbered(rows: Iterable[RawRow], crs: str, layer: Layer, territory: Territory,
                      *, source: str, allow_empty: bool = False,
                      notes: list[Problem] | None = None) -> list[tuple[int, Any]]:
    """Turn raw rows into (row number, domain object), or raise one ImportFileError listing
    the problems: every one, or the first :data:`MAX_PROBLEMS` and where it stopped.

    A file holding no row is refused unless ``allow_empty`` (a territory without markets
    gives an empty markets layer). Each row whose opening_hours the parser does not
    understand is appended to ``notes`` (when given) with the reason; the row is kept."""
    if layer not in _BUILDERS:
        raise ValidationError(f"layer must be one of {', '.join(_BUILDERS)}, got {layer!r}")
    build = _BUILDERS[layer]
    problems: list[Problem] = []
    out: list[tuple[int, Any]] = []
    seen: dict[str, int] = {}
    stopped_at: int | None = None
    for row in rows:
        if len(problems) >= MAX_PROBLEMS or row.last:
            if row.last:
                problems.append(Problem(row.number, row.geometry_problem or "unreadable"))
            stopped_at = row.number
            break
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
        out.append((row.number, obj))
        hours = read_opening_hours(obj.opening_hours)
        if notes is not None and hours is not None and hours.problem is not None:
            notes.append(Problem(row.number, hours.problem, "opening_hours"))
    close = getattr(rows, "close", None)
    if close is not None:  # a file read as it is validated
        close()
    if problems:
        raise ImportFileError(source, problems, stopped_at=stopped_at)
    if not out and not allow_empty:
        raise ImportFileError(source, [Problem(1, "the file holds no row")])
    return out


def validate_rows(rows: Iterable[RawRow], crs: str, layer: Layer, territory: Territory,
                  *, source: str, notes: list[Problem] | None = None) -> list[Any]:
    """Turn raw rows into domain objects, or raise one ImportFileError listing the problems
    (``notes``: see :func:`validate_numbered`)."""
    return [obj for _, obj in validate_numbered(rows, crs, layer, territory, source=source,
                                                notes=notes)]


def read_numbered(path: Path | str, layer: Layer, territory: Territory, *,
                  fmt: str | None = None, crs: str | None = None, source: str | None = None,
                  gpkg_layer: str | None = None, allow_empty: bool = False,
                  notes: list[Problem] | None = None) -> list[tuple[int, Any]]:
    """Read and validate a points-of-sale or markets file: (row number, object) pairs
    (``notes``: see :func:`validate_numbered`)."""
    name = source or Path(path).name
    rows, file_crs = read_rows(path, fmt=fmt, crs=crs, source=name, layer=gpkg_layer)
    return validate_numbered(rows, file_crs, layer, territory, source=name,
                             allow_empty=allow_empty, notes=notes)


def read_layer(path: Path | str, layer: Layer, territory: Territory, *, fmt: str | None = None,
               crs: str | None = None, source: str | None = None,
               gpkg_layer: str | None = None, allow_empty: bool = False,
               notes: list[Problem] | None = None) -> list[Any]:
    """Read and validate a points-of-sale or markets file (``allow_empty``, ``notes``: see
    :func:`validate_numbered`)."""
    return [obj for _, obj in read_numbered(path, layer, territory, fmt=fmt, crs=crs,
                                            source=source, gpkg_layer=gpkg_layer,
                                            allow_empty=allow_empty, notes=notes)]
