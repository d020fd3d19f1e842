"""Checking a whole territory folder up front: every problem, each with its fix.

:func:`check_territory` reads ``territory.toml`` and every file it names, as the loaders
will read them (the neighbourhoods, the points of sale, the optional markets, the strata,
the walking network and the population points), and lists every problem it finds instead
of stopping at the first. A *problem* stops the territory from loading or gives wrong
results; a *note* says what an analysis will not compute (no income, no strata, no
markets) or what is loaded but needs a look (hours OSM's opening_hours parser does not
understand: the place loads, its hours shown as to be checked) without stopping anything.
``docs/territory.md`` describes the contract.

:func:`check_territory_cached` is the same check remembered in the cache folder while
none of the files it read (nor the checker's own code) changed: the service runs it at
start-up, where the full check (about 1.3 s for Montpellier, mostly reading the outline and
the population points) would cost more than the rest of the start.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo_caisse.core.errors import GeoCaisseError, ImportFileError, Problem
from geo_caisse.core.opening_hours import HOURS_FIX
from geo_caisse.core.territory import LAYERS, Territory
from geo_caisse.io.readers import read_point_arrays, read_vector_layers
from geo_caisse.io.strata import read_strata
from geo_caisse.io.validation import read_numbered

#: the keys ``territory.toml`` must hold, and the layers ``[layers]`` must name
REQUIRED_KEYS = ("code", "name", "outline", "layers")
REQUIRED_LAYERS = ("neighbourhoods", "points_of_sale")
#: at most this many problems are listed per file (the count of the others is given)
MAX_PER_FILE = 20


@dataclass(frozen=True)
class Finding:
    """One problem (or note) in a territory folder: where, what, and how to fix it."""

    where: str
    message: str
    fix: str
    note: bool = False

    def __str__(self) -> str:
        kind = "note" if self.note else "problem"
        return f"{kind}: {self.where}: {self.message}. Fix: {self.fix}"


@dataclass
class TerritoryReport:
    """What :func:`check_territory` found."""

    directory: Path
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.note]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.note]

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, where: str, message: str, fix: str) -> None:
        self.findings.append(Finding(where, message, fix))

    def note(self, where: str, message: str, fix: str) -> None:
        self.findings.append(Finding(where, message, fix, note=True))


def _raw_config(report: TerritoryReport) -> dict[str, Any] | None:
    path = report.directory / "territory.toml"
    if not report.directory.is_dir():
        report.problem(str(report.directory), "no such folder",
                       "give the path of the folder that holds territory.toml")
        return None
    if not path.is_file():
        report.problem("territory.toml", f"no territory.toml in {report.directory}",
                       "copy data/montpellier/territory.toml into the folder and edit it "
                       "(see docs/territory.md)")
        return None
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        report.problem("territory.toml", f"not valid TOML ({exc})",
                       "correct the line named (quotes around texts, [section] headers)")
        return None
    for key in REQUIRED_KEYS:
        if key not in config:
            report.problem("territory.toml", f"the key {key!r} is missing",
                           f"add {key} = … at the top of the file (see docs/territory.md)")
    layers = config.get("layers", {})
    if not isinstance(layers, dict):
        report.problem("territory.toml", "[layers] must be a table",
                       "write [layers] then one line per layer: neighbourhoods = \"…\"")
        config["layers"] = {}
    else:
        for name in REQUIRED_LAYERS:
            if "layers" in config and name not in layers:
                report.problem("territory.toml", f"[layers] does not name the {name} layer",
                               f"add {name} = \"{name}.geojson\" under [layers]")
        for name in sorted(set(layers) - set(LAYERS)):
            report.problem("territory.toml", f"[layers] names an unknown layer {name!r}",
                           f"use only {', '.join(LAYERS)}")
    return config


def _file(report: TerritoryReport, path: Path, what: str, key: str) -> bool:
    if path.is_file():
        return True
    report.problem(path.name, f"the {what} file is missing ({key} names {path})",
                   f"put the file in the folder, or correct {key} in territory.toml")
    return False


def _geojson(report: TerritoryReport, path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        report.problem(path.name, f"not readable as GeoJSON ({str(exc)[:120]})",
                       "export the layer again as GeoJSON (RFC 7946, WGS84)")
        return None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
            or not isinstance(doc.get("features"), list):
        report.problem(path.name, "not a GeoJSON FeatureCollection",
                       "export the layer as a GeoJSON FeatureCollection")
        return None
    crs = doc.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) \
            else ""
        if not name.upper().endswith(("CRS84", "4326")):
            report.problem(path.name, f"the file is in {name or 'an unnamed CRS'}, not WGS84",
                           "reproject it to WGS84 (EPSG:4326): every file of the folder is "
                           "read in longitude/latitude")
            return None
    return doc


def _limited(report: TerritoryReport, where: str, found: list[tuple[str, str]], *,
             note: bool = False) -> None:
    add = report.note if note else report.problem
    for message, fix in found[:MAX_PER_FILE]:
        add(where, message, fix)
    if len(found) > MAX_PER_FILE:
        add(where, f"and {len(found) - MAX_PER_FILE} more {'note' if note else 'problem'}(s) "
            "like these", "correct the ones listed and check again")


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                             and math.isfinite(value))


def _level_fix(territory: Territory) -> str:
    levels = ", ".join(territory.level_codes) or "none yet"
    return (f"use one of the territory's levels ({levels}), or add the level to levels = "
            "[…] in territory.toml, coarse to fine, with its French name under "
            "[level_labels] if it is not one of commune, arrondissement, grand_quartier, "
            "quartier, iris, sous_quartier")


def _neighbourhood_feature(i: int, f: Any, territory: Territory
                           ) -> tuple[str | None, list[tuple[str, str]]]:
    """The code of one neighbourhood feature, and its problems."""
    import shapely
    from shapely.geometry import shape

    out: list[tuple[str, str]] = []
    if not isinstance(f, dict) or not isinstance(f.get("properties"), dict):
        return None, [(f"feature {i} has no properties",
                       "give each feature code, name, level and population")]
    p = f["properties"]
    code = p.get("code")
    for key in ("code", "name", "level"):
        if p.get(key) in (None, ""):
            out.append((f"feature {i} has no {key}", f"fill in {key} (see docs/territory.md)"))
    level = p.get("level")
    if level not in (None, "") and level not in territory.level_codes:
        out.append((f"feature {i} ({code}): level {level!r} is not one of the territory's",
                    _level_fix(territory)))
    if "population" in p and not (p["population"] is None or (
            isinstance(p["population"], int | float) and not isinstance(p["population"], bool)
            and math.isfinite(p["population"]) and p["population"] >= 0)):
        out.append((f"feature {i} ({code}): population must be a number of people >= 0 or "
                    f"null, got {p['population']!r}", "write the number of inhabitants"))
    if not _number_or_none(p.get("median_income_uc_eur")) or (
            p.get("median_income_uc_eur") is not None and p["median_income_uc_eur"] < 0):
        out.append((f"feature {i} ({code}): median_income_uc_eur must be euros a year per "
                    f"consumption unit, or null, got {p.get('median_income_uc_eur')!r}",
                    "write a number such as 18500, or null when unknown"))
    share = p.get("benefit_dependent_share")
    if not _number_or_none(share) or (share is not None and not 0 <= share <= 1):
        out.append((f"feature {i} ({code}): benefit_dependent_share must be a share from 0 "
                    f"to 1, or null, got {share!r}", "write 0.32 for 32 %"))
    try:
        geom = shape(f.get("geometry") or {})
    except (AttributeError, KeyError, TypeError, ValueError, GeoCaisseError,
            shapely.errors.GEOSException):
        out.append((f"feature {i} ({code}): no readable geometry",
                    "give a Polygon or MultiPolygon in longitude/latitude"))
        return code, out
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        out.append((f"feature {i} ({code}): a {geom.geom_type} where a Polygon is expected",
                    "give the neighbourhood's outline as a Polygon or MultiPolygon"))
    elif geom.is_empty or not geom.is_valid:
        out.append((f"feature {i} ({code}): invalid or empty polygon",
                    "repair it (QGIS: Vector > Geometry Tools > Fix Geometries)"))
    else:
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            out.append((f"feature {i} ({code}): coordinates are not longitude/latitude",
                        "reproject the layer to WGS84 (EPSG:4326)"))
    return code, out


def _neighbourhoods(report: TerritoryReport, path: Path, territory: Territory
                    ) -> dict[str, dict[str, Any]]:
    """Check the neighbourhoods; their properties by code (empty if unreadable)."""
    doc = _geojson(report, path)
    if doc is None:
        return {}
    found: list[tuple[str, str]] = []
    by_code: dict[str, dict[str, Any]] = {}
    for i, f in enumerate(doc["features"], start=1):
        code, problems = _neighbourhood_feature(i, f, territory)
        found += problems
        if code is None:
            continue
        if str(code) in by_code:
            found.append((f"feature {i}: the code {code!r} is already used",
                          "give each neighbourhood its own code (INSEE code, IRIS code…)"))
        by_code[str(code)] = dict(f["properties"])
    if not doc["features"]:
        found.append(("the layer holds no neighbourhood",
                      "give at least the communes of the territory"))
    for code, p in by_code.items():
        parent = p.get("parent_code")
        if parent not in (None, "") and str(parent) not in by_code:
            found.append((f"{code}: parent_code {parent!r} names no neighbourhood",
                          "give the code of the enclosing neighbourhood, or null"))
        elif parent not in (None, ""):
            rank, up = (territory.level_rank(str(q.get("level")))
                        for q in (p, by_code[str(parent)]))
            if up >= rank and rank < len(territory.levels):
                found.append((f"{code}: parent_code {parent!r} is a "
                              f"{by_code[str(parent)].get('level')}, not coarser than its "
                              f"{p.get('level')}", "give the code of the enclosing "
                              "neighbourhood of a coarser level (levels coarse to fine: "
                              f"{', '.join(territory.level_codes)}), or null"))
    _limited(report, path.name, found)
    report.counts["neighbourhoods"] = len(by_code)
    return by_code


def _point_layer(report: TerritoryReport, territory: Territory, layer: str
                 ) -> list[tuple[int, Any]] | None:
    if layer not in territory.layer_paths:
        return None  # reported with territory.toml
    path = territory.layer_paths[layer]
    if not _file(report, path, layer.replace("_", " "), f"[layers] {layer}"):
        return None
    notes: list[Problem] = []
    try:
        numbered = read_numbered(path, layer, territory,  # type: ignore[arg-type]
                                 allow_empty=layer == "markets", notes=notes)
    except ImportFileError as exc:
        _limited(report, path.name, [(str(p), _fix_of(p.message, p.field))
                                     for p in exc.problems])
        numbered = None
    except GeoCaisseError as exc:
        report.problem(path.name, str(exc), "export the layer again (GeoJSON, GeoPackage or "
                       "CSV with lon, lat) with the properties of docs/territory.md")
        return None
    # hours to be checked are notes, listed even beside the file's problems
    _limited(report, path.name, [(str(p), HOURS_FIX) for p in notes], note=True)
    if numbered is None:
        return None
    report.counts[layer] = len(numbered)
    return numbered


def _fix_of(message: str, field_name: str | None) -> str:
    if "outside the territory" in message:
        return "check the coordinates (longitude first), or widen import_margin_m"
    if message == "opening_hours is required":
        return ("give the market's days and hours in OpenStreetMap's opening_hours syntax, "
                "e.g. Tu,Sa 07:00-13:30")
    if "must be one of" in message:
        return "use one of the values listed"
    if "required" in message:
        return "fill in the property on that row"
    if field_name == "geometry":
        return "give a Point in longitude/latitude"
    return "correct the row (see docs/territory.md for each property)"


def _layers(report: TerritoryReport, territory: Territory) -> None:
    points = _point_layer(report, territory, "points_of_sale")
    markets: list[tuple[int, Any]] | None = []
    if "markets" in territory.layer_paths:
        markets = _point_layer(report, territory, "markets")
        if markets == []:
            report.note(territory.layer_paths["markets"].name, "the layer holds no market",
                        "nothing to do if the territory has no market (stalls then name no "
                        "market_ref)")
    else:
        report.note("territory.toml", "no markets layer: the territory is read as having "
                    "no market", "add markets = \"markets.geojson\" under [layers] if it has")
    if points is None or markets is None:
        return
    known = {m.ref for _, m in markets}
    where = territory.layer_paths["points_of_sale"].name
    _limited(report, where, [
        (f"row {row}, market_ref: {p.market_ref!r} names no market of the markets layer",
         "add the market to the markets layer, or empty market_ref")
        for row, p in points if p.market_ref and p.market_ref not in known])


def _income(report: TerritoryReport, territory: Territory,
            codes: dict[str, dict[str, Any]]) -> None:
    pop, access = territory.population, territory.access
    if pop is None or (pop.mode == "weighted_points" and pop.low_income_column):
        return
    at_level = [p for p in codes.values() if p.get("level") == pop.level]
    key = ("median_income_uc_eur" if access.low_income == "income_quantile"
           else "benefit_dependent_share")
    if at_level and all(p.get(key) is None for p in at_level):
        report.note(territory.layer_paths["neighbourhoods"].name,
                    f"no {pop.level} has {key}: the low-income rule of the food deserts is "
                    "unavailable (deserts are reported as unknown, walking times still are)",
                    f"fill in {key} of the {pop.level} neighbourhoods to compute it")


def _walking(report: TerritoryReport, territory: Territory,
             codes: dict[str, dict[str, Any]]) -> None:
    net, pop = territory.network, territory.population
    if net is None or pop is None:
        missing = " and ".join(s for s, v in (("[network]", net), ("[population]", pop))
                               if v is None)
        report.note("territory.toml", f"no {missing}: walking times and food deserts are "
                    "unavailable", "add [network] and [population] (see docs/territory.md)")
    if net is not None and _file(report, net.source, "walking network", "[network] source"):
        name = net.source.name.lower()
        if name.endswith((".graphml", ".graphml.gz")):
            opener: Callable[..., Any] = gzip.open if name.endswith(".gz") else open
            try:
                with opener(net.source, "rb") as fh:
                    head = fh.read(4096)
            except OSError as exc:
                head = b""
                report.problem(net.source.name, f"cannot be read ({exc})",
                               "write the GraphML again with osmnx.save_graphml")
            if head and b"<graphml" not in head:
                report.problem(net.source.name, "not a GraphML file",
                               "write the network with osmnx.save_graphml, or give an .osm "
                               "extract")
        elif not name.endswith((".osm", ".osm.bz2", ".osm.gz", ".osm.xml", ".osm.pbf")):
            report.problem(net.source.name, "unknown network format",
                           "give an osmnx GraphML (.graphml, .graphml.gz) or an OSM extract "
                           "(.osm, .osm.bz2, .osm.pbf)")
        unknown = [c for c in net.coverage if c not in codes]
        if codes and unknown:
            report.problem("territory.toml", f"[network] coverage names unknown "
                           f"neighbourhood(s) {', '.join(unknown)}",
                           "use codes of neighbourhoods.geojson")
    if pop is not None:
        if codes and pop.level not in {p.get("level") for p in codes.values()}:
            report.problem("territory.toml", f"[population] level {pop.level!r}: no "
                           "neighbourhood has that level",
                           "use a level of the neighbourhoods "
                           f"({', '.join(_levels(territory, codes))})")
        if _file(report, pop.points, "population points", "[population] points"):
            columns = tuple(c for c in (pop.population_column, pop.low_income_column) if c)
            try:
                x, _, _, _ = read_point_arrays(pop.points, columns)
                report.counts["population points"] = len(x)
            except GeoCaisseError as exc:
                report.problem(pop.points.name, str(exc).split(": ", 1)[-1],
                               "save the layer with its CRS (e.g. EPSG:2154) and the columns "
                               "[population] names")


def _levels(territory: Territory, codes: dict[str, dict[str, Any]]) -> list[str]:
    present = {p.get("level") for p in codes.values()}
    return [level for level in territory.level_codes if level in present]


def _strata(report: TerritoryReport, territory: Territory,
            codes: dict[str, dict[str, Any]]) -> None:
    path = territory.strata_path
    if path is None:
        report.note("territory.toml", "no [enrolment] strata: the enrolment coverage, the "
                    "targeting and population quotas of the draw are unavailable",
                    "add [enrolment] strata = \"strata.csv\" (see docs/territory.md)")
        return
    if not _file(report, path, "strata", "[enrolment] strata"):
        return
    try:
        table = read_strata(path)
    except GeoCaisseError as exc:
        report.problem(path.name, str(exc).split(": ", 1)[-1],
                       "write neighbourhood_code and the 12 columns Q1|<30 … Q4|>60 "
                       "(adults per stratum, numbers >= 0)")
        return
    unknown = sorted(set(table) - set(codes))
    if codes and unknown:
        report.problem(path.name, f"neighbourhood_code(s) not in the neighbourhoods: "
                       f"{', '.join(unknown[:10])}", "use codes of neighbourhoods.geojson")
    report.counts["strata rows"] = len(table)


def _other_files(report: TerritoryReport, territory: Territory) -> None:
    search, basemap = territory.search, territory.basemap
    named = []
    if search is not None:
        named += [(search.addresses, "[search] addresses"), (search.stops, "[search] stops"),
                  (search.amenities, "[search] amenities"), (search.aliases, "[search] aliases")]
    named += [(basemap.streets, "[basemap] streets"),
              (basemap.transit_lines, "[basemap] transit_lines"),
              (basemap.transit_stops, "[basemap] transit_stops")]
    for path, key in named:
        if path is not None:
            _file(report, path, key.split()[-1].replace("_", " "), key)


def check_territory(directory: Path | str) -> TerritoryReport:
    """Every problem of the territory folder ``directory``, each with its fix.

    Never raises for a problem of the folder: each is a :class:`Finding` of the report.
    """
    report = TerritoryReport(Path(directory))
    config = _raw_config(report)
    if config is None:
        return report
    try:
        territory = Territory.from_dir(report.directory)
    except GeoCaisseError as exc:
        if report.ok:
            message = str(exc).split(": ", 1)[-1]
            fix = ("set metric_crs to the territory's projected CRS in metres: EPSG:2154 "
                   "(Lambert-93) in mainland France, the local one overseas (EPSG:2975 for "
                   "La Réunion)" if "CRS" in message
                   else "list the levels coarse to fine, e.g. levels = [\"commune\", "
                   "\"iris\"], each a code of lowercase letters, digits and _, and give "
                   "[level_labels] { one = …, many = … } only to levels of that list that "
                   "are not built in (see docs/territory.md)" if "level" in message
                   else "correct the key named (see docs/territory.md)")
            report.problem("territory.toml", message, fix)
        return report
    try:
        outline = read_vector_layers([(territory.outline_path, ())])[0]
        if not [g for g in outline.geometries if g is not None and not g.is_empty]:
            report.problem(territory.outline_path.name, "the outline holds no polygon",
                           "give the territory's outline as a Polygon or MultiPolygon")
    except GeoCaisseError as exc:
        report.problem(territory.outline_path.name, str(exc).split(": ", 1)[-1],
                       "give the outline as a GeoJSON or GeoPackage polygon with its CRS")
        return report  # the point layers are checked against the outline
    codes: dict[str, dict[str, Any]] = {}
    if "neighbourhoods" in territory.layer_paths and _file(
            report, territory.layer_paths["neighbourhoods"], "neighbourhoods",
            "[layers] neighbourhoods"):
        codes = _neighbourhoods(report, territory.layer_paths["neighbourhoods"], territory)
    unknown_centre = [c for c in territory.caisse.centre if codes and c not in codes]
    if unknown_centre:
        report.problem("territory.toml", f"[caisse] centre names unknown neighbourhood(s) "
                       f"{', '.join(unknown_centre)}", "use codes of neighbourhoods.geojson")
    _layers(report, territory)
    _walking(report, territory, codes)
    _income(report, territory, codes)
    _strata(report, territory, codes)
    _other_files(report, territory)
    return report


#: the modules whose rules the check applies: a change in one invalidates the cached results
_CHECKER_MODULES = ("geo_caisse.layers.territory_check", "geo_caisse.io.validation",
                    "geo_caisse.io.readers", "geo_caisse.io.strata",
                    "geo_caisse.core.opening_hours", "geo_caisse.core.territory",
                    "geo_caisse.core.domain", "geo_caisse.core.config", "opening_hours")


def _read_files(territory: Territory) -> list[Path]:
    """Every file of the folder the check reads (territory.toml first)."""
    files: list[Path | None] = [territory.directory / "territory.toml",
                                territory.outline_path, *territory.layer_paths.values()]
    if territory.network is not None:
        files.append(territory.network.source)
    if territory.population is not None:
        files.append(territory.population.points)
    if territory.strata_path is not None:
        files.append(territory.strata_path)
    search, basemap = territory.search, territory.basemap
    if search is not None:
        files += [search.addresses, search.stops, search.amenities, search.aliases]
    files += [basemap.streets, basemap.transit_lines, basemap.transit_stops]
    return [f for f in files if f is not None]


def _stamp(paths: list[str]) -> list[list[object]]:
    """Path, size and modification time (ns) of each file (None when it is missing)."""
    out: list[list[object]] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append([path, st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([path, None, None])
    return out


def _code_paths() -> list[str]:
    import importlib

    return [str(importlib.import_module(m).__file__) for m in _CHECKER_MODULES]


def check_territory_cached(directory: Path | str, *, cache_dir: Path | str) -> TerritoryReport:
    """:func:`check_territory`, reused from ``cache_dir`` while every file it read (their
    sizes and modification times) and the checker's code are unchanged.

    Only a usable folder's report (its notes and counts) is kept: a folder with problems is
    checked again each time, so that its fix is seen at once. A cache that cannot be read
    or written is ignored.
    """
    folder = Path(directory).resolve()
    entry = Path(cache_dir) / "territory_check" / (
        hashlib.sha256(str(folder).encode()).hexdigest()[:24] + ".json")
    try:
        cached = json.loads(entry.read_text("utf-8"))
        if cached["stamps"] == _stamp([s[0] for s in cached["stamps"]]):
            return TerritoryReport(
                folder, [Finding(str(w), str(m), str(x), note=True)
                         for w, m, x in cached["notes"]],
                dict(cached["counts"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    report = check_territory(folder)
    if not report.ok:
        return report
    try:
        files = [str(p) for p in _read_files(Territory.from_dir(folder))]
        doc = {"stamps": _stamp([*files, *_code_paths()]),
               "notes": [[f.where, f.message, f.fix] for f in report.notes],
               "counts": report.counts}
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, entry)
    except (OSError, GeoCaisseError):
        pass
    return report


def refusal(report: TerritoryReport) -> str:
    """Why the service does not start on a folder with problems: each one with its fix."""
    lines = [str(p) for p in report.problems]
    return (f"the territory folder {report.directory} has {len(lines)} problem(s); the "
            "service does not start until they are fixed (geo-caisse territory check "
            f"{report.directory} lists them again, see docs/territory.md):\n"
            + "\n".join(lines))


__all__ = ["Finding", "TerritoryReport", "check_territory", "check_territory_cached",
           "refusal"]
