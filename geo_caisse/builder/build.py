"""``geo-caisse territory build``: a territory folder from the open data any French caisse has.

Inputs (see ``docs/territory.md``, "Build a folder"): an OpenStreetMap extract (required:
the walking network, food shops, marketplaces, address points, streets and places to search),
IGN/INSEE commune or IRIS boundaries, INSEE populations by commune or IRIS, and optionally
Filosofi median incomes, a Base Adresse Nationale CSV and the caisse's own list of shops.

Output: a folder that ``geo-caisse territory check`` accepts, with a ``PROVENANCE.md``
naming each input (its size and SHA-256), what was taken from it and every estimate made.
Nothing is conventionné by the builder: every point of sale is a candidate for the
committee. The folder is written whole or not at all.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo_caisse.builder.osm import UNNAMED_FR, OsmExtract, food_shop, read_osm
from geo_caisse.builder.sources import (
    Figures,
    read_ban,
    read_boundaries,
    read_filosofi_grid,
    read_income,
    read_populations,
    read_shop_list,
)
from geo_caisse.core.crs import WGS84
from geo_caisse.core.errors import DataError
from geo_caisse.core.progress import Progress, quiet

if TYPE_CHECKING:
    import geopandas as gpd

    from geo_caisse.layers.territory_check import TerritoryReport

#: (min lon, min lat, max lon, max lat) -> the metric CRS and time zone of French places
#: overseas; elsewhere Lambert-93 and Paris time (docs/territory.md, "Coordinates")
OVERSEAS = (
    ((55.1, -21.5, 56.0, -20.8), "EPSG:2975", "Indian/Reunion"),
    ((-61.9, 15.8, -60.9, 16.6), "EPSG:5490", "America/Guadeloupe"),
    ((-61.3, 14.3, -60.7, 14.9), "EPSG:5490", "America/Martinique"),
    ((-54.7, 2.0, -51.5, 6.0), "EPSG:2972", "America/Cayenne"),
    ((44.9, -13.1, 45.4, -12.5), "EPSG:4471", "Indian/Mayotte"),
)
#: a neighbourhood at least this much inside the OSM extract is covered by its network
COVERED_SHARE = 0.5
#: metres: an address this close to a shop gives the shop its address
ADDRESS_NEAR_M = 40.0
#: metres beyond the outline where points of sale are still taken
IMPORT_MARGIN_M = 200


@dataclass
class BuildInputs:
    """What ``geo-caisse territory build`` reads (paths) and the territory's identity."""

    osm: Path
    code: str
    name: str
    communes: Path | None = None
    iris: Path | None = None
    population: Path | None = None
    population_column: str | None = None
    income: Path | None = None
    income_column: str | None = None
    addresses: Path | None = None
    shops: Path | None = None
    #: INSEE population by age band by IRIS or commune (for the strata estimate)
    ages: Path | None = None
    #: INSEE Filosofi 200 m grid (people and poor households per cell): where people live
    grid: Path | None = None
    #: "osm": the territory is the part of the boundaries inside the OSM extract;
    #: "boundaries": the whole boundaries (default when a BAN file gives the addresses)
    extent: str | None = None
    metric_crs: str | None = None
    timezone: str | None = None


@dataclass
class BuildReport:
    directory: Path
    counts: dict[str, int]
    #: what was estimated, left out or is unavailable, as written in PROVENANCE.md
    notes: list[str] = field(default_factory=list)
    check: TerritoryReport | None = None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _place(bounds: tuple[float, float, float, float]) -> tuple[str, str]:
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    for (x0, y0, x1, y1), crs, tz in OVERSEAS:
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return crs, tz
    return "EPSG:2154", "Europe/Paris"


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers, booleans and arrays are TOML's too."""
    return json.dumps(value, ensure_ascii=False)


def _extract_box(osm: OsmExtract, metric: str) -> Any:
    """The OSM extract's bounds as a polygon in the metric CRS (None: the extract has none)."""
    import geopandas as gpd
    import shapely

    if osm.bounds is None:
        return None
    return gpd.GeoSeries([shapely.box(*osm.bounds)], crs=WGS84).to_crs(metric).iloc[0]


class _Builder:
    """What one build has read (its sources) and what it estimated or left out (its notes)."""

    def __init__(self, inputs: BuildInputs) -> None:
        self.inputs = inputs
        self.notes: list[str] = []
        self.sources: list[tuple[Path, str, str]] = []  # (input, role, what was taken)

    # ------------------------------------------------------------------ neighbourhoods
    def zoning(self, osm: OsmExtract, metric: str) -> tuple[dict[str, gpd.GeoDataFrame], Any]:
        """The levels' polygons (coarse to fine) clipped to the territory, and its outline."""
        import geopandas as gpd
        import shapely

        inp = self.inputs
        levels: dict[str, gpd.GeoDataFrame] = {}
        iris = None
        if inp.iris is not None:
            iris = read_boundaries(inp.iris, "iris", metric)
            self.sources.append((inp.iris, "IRIS boundaries",
                                 f"{len(iris)} IRIS: code, name, commune"))
        if inp.communes is not None:
            communes = read_boundaries(inp.communes, "commune", metric)
            self.sources.append((inp.communes, "commune boundaries",
                                 f"{len(communes)} communes: code, name"))
        elif iris is not None:
            communes = iris.dissolve(by="parent_code", aggfunc="first").reset_index()
            communes = gpd.GeoDataFrame({"code": communes.parent_code,
                                         "name": communes.commune_name},
                                        geometry=communes.geometry.values, crs=metric)
            self.notes.append("Communes: the union of their IRIS (no commune boundaries given).")
        else:
            raise DataError("give --communes or --iris: a territory needs boundaries to count "
                            "by (IGN Admin Express communes, IGN/INSEE IRIS contours)")
        levels["commune"] = communes
        if iris is not None and iris.grand_quartier.notna().all():
            gq = iris.assign(gq_code=[c[:7] for c in iris.code]).dissolve(
                by="gq_code", aggfunc="first").reset_index()
            levels["grand_quartier"] = gpd.GeoDataFrame(
                {"code": gq.gq_code, "name": gq.grand_quartier, "parent_code": gq.parent_code},
                geometry=gq.geometry.values, crs=metric)
            self.notes.append("Grands quartiers: the union of their IRIS (INSEE code: the "
                              "IRIS code's first 7 digits), named as in the IRIS file.")
        if iris is not None:
            parent = "grand_quartier" if "grand_quartier" in levels else "commune"
            iris = iris.copy()
            iris["parent_code"] = ([c[:7] for c in iris.code] if parent == "grand_quartier"
                                   else iris.parent_code)
            levels["iris"] = iris[["code", "name", "parent_code", "geometry"]]

        finest = levels[list(levels)[-1]]
        union = shapely.union_all(finest.geometry.values)
        extent = inp.extent or ("boundaries" if inp.addresses is not None else "osm")
        if extent not in ("osm", "boundaries"):
            raise DataError(f"--extent must be osm or boundaries, got {extent!r}")
        self.extent = extent
        if extent == "osm":
            if osm.bounds is None:
                raise DataError(f"{osm.path}: the extract gives no bounds; use --extent "
                                "boundaries")
            outline = shapely.intersection(union, _extract_box(osm, metric))
            self.notes.append(
                "Outline: the boundaries inside the OSM extract's bounds "
                f"{list(osm.bounds)} (outside it nothing is known of streets and homes).")
        else:
            outline = union
            self.notes.append("Outline: the union of the boundaries.")
        if outline.is_empty:
            raise DataError("the OSM extract and the boundaries do not overlap: check that "
                            "they are of the same place")
        for level, gdf in list(levels.items()):
            full = gdf.geometry.area.to_numpy()
            clipped = shapely.intersection(gdf.geometry.values, outline)
            share = shapely.area(clipped) / full
            keep = shapely.area(clipped) > 0.01 * shapely.area(outline)
            gdf = gdf[keep].copy()
            gdf["geometry"] = clipped[keep]
            gdf["share"] = share[keep]
            levels[level] = gdf
        return levels, outline

    # ------------------------------------------------------------------ populations
    def populations(self, levels: dict[str, gpd.GeoDataFrame], fig: Figures | None,
                    address_xy: Any) -> None:
        """``population`` and ``population_year`` on every level, with how each was found."""
        import numpy as np
        import shapely

        names = list(levels)
        for gdf in levels.values():
            gdf["population"] = np.nan
            gdf["how"] = None
        if fig is None:
            self.notes.append("Population: none given; deserts and coverage cannot be counted "
                              "(give --population, an INSEE table by commune or IRIS).")
            return
        year = fig.year
        communes = levels["commune"]
        unknown = communes.code[~communes.code.isin(list(fig.values))].tolist()
        if unknown and len(unknown) < len(communes):
            # a neighbouring commune's IRIS in the boundaries file: not the territory's
            for level in names:
                gdf = levels[level]
                top = gdf.code if level == "commune" else gdf.code.str[:5]
                levels[level] = gdf[~top.isin(unknown)].copy()
            self.notes.append(f"Commune(s) {', '.join(unknown)} left out with their parts: "
                              f"{fig.source.name} gives them no population (they are not the "
                              "territory's).")
        for level in names:
            gdf = levels[level]
            for i, row in gdf.iterrows():
                v = fig.values.get(row.code)
                if v is None:
                    continue
                if row.share < 0.999:
                    gdf.at[i, "population"] = round(v * row.share)
                    gdf.at[i, "how"] = (f"{v:,.0f} ({fig.column}) × {row.share:.1%}, the part "
                                        "of its area inside the territory (estimate)")
                else:
                    gdf.at[i, "population"] = v
                    gdf.at[i, "how"] = f"INSEE {fig.column}"
        # a level without figures takes its parent's, split by addresses (or area)
        pts = shapely.points(address_xy) if len(address_xy) else None
        for coarse, fine in itertools.pairwise(names):
            parent, child = levels[coarse], levels[fine]
            if child.population.notna().any() or parent.population.isna().all():
                continue
            by = "address points" if pts is not None else "area"
            for _, p in parent.iterrows():
                if np.isnan(p.population):
                    continue
                kids = child.index[child.parent_code == p.code]
                if pts is not None:
                    weights = np.array([shapely.contains_xy(child.geometry[k], address_xy[:, 0],
                                                            address_xy[:, 1]).sum()
                                        for k in kids], dtype=float)
                else:
                    weights = child.geometry[kids].area.to_numpy()
                if weights.sum() <= 0:
                    weights = child.geometry[kids].area.to_numpy()
                split = p.population * weights / weights.sum()
                for k, v in zip(kids, split, strict=True):
                    child.at[k, "population"] = round(float(v))
                    child.at[k, "how"] = (f"{coarse} {p.code}'s {p.population:,.0f} split by its "
                                          f"{fine}s' {by} (estimate)")
            self.notes.append(f"Population at the {fine} level: each {coarse}'s ({fig.column}) "
                              f"split over its parts in proportion to their {by} (estimate: "
                              f"INSEE gives none at the {fine} level here).")
        for level in reversed(names[:-1]):  # a coarse level without figures: sum of its parts
            gdf, fine = levels[level], levels[names[names.index(level) + 1]]
            for i, row in gdf.iterrows():
                if np.isnan(row.population):
                    parts = fine.population[fine.parent_code == row.code]
                    if len(parts) and parts.notna().all():
                        gdf.at[i, "population"] = float(parts.sum())
                        gdf.at[i, "how"] = "sum of its parts"
        for level, gdf in levels.items():
            missing = gdf.code[gdf.population.isna()].tolist()
            if missing:
                self.notes.append(f"Population unknown for {len(missing)} {level}(s) "
                                  f"({', '.join(missing[:8])}): not in {fig.source.name}.")
            gdf["population_year"] = year

    # ------------------------------------------------------------------ points of sale
    def points_of_sale(self, osm: OsmExtract, addresses: list[tuple[float, float, str]],
                       metric: str, area: Any) -> list[dict[str, Any]]:
        import numpy as np
        from pyproj import Transformer
        from scipy.spatial import cKDTree

        to_m = Transformer.from_crs(WGS84, metric, always_xy=True)
        tree = None
        if addresses:
            ax, ay = to_m.transform([a[0] for a in addresses], [a[1] for a in addresses])
            tree = cKDTree(np.c_[ax, ay])

        def nearest_address(x: float, y: float) -> str | None:
            if tree is None:
                return None
            d, i = tree.query([x, y])
            return addresses[int(i)][2] if d <= ADDRESS_NEAR_M else None

        rows: list[dict[str, Any]] = []
        outside = 0
        import shapely

        for shop in osm.shops:
            kind, cats, value = food_shop(shop.tags) or ("", (), "")
            x, y = to_m.transform(shop.lon, shop.lat)
            if not shapely.contains_xy(area, x, y):
                outside += 1
                continue
            t = shop.tags
            street = t.get("addr:street")
            address = (f"{t.get('addr:housenumber', '')} {street}".strip() if street
                       else nearest_address(x, y))
            rows.append({
                "ref": f"osm-{shop.osm_id}", "name": (t.get("name") or UNNAMED_FR[value])[:200],
                "kind": kind, "status": "candidate", "accepts_mona": False,
                "categories": ";".join(cats), "opening_hours": t.get("opening_hours"),
                "wheelchair": t.get("wheelchair") if t.get("wheelchair") in (
                    "yes", "limited", "no") else "unknown",
                "address": address, "market_ref": None,
                "source": f"OpenStreetMap {shop.osm_id} shop={t['shop']} (ODbL); candidate",
                "lon": shop.lon, "lat": shop.lat})
        if outside:
            self.notes.append(f"{outside} OSM food shop(s) outside the territory left out.")
        if self.inputs.shops is not None:
            listed, left = read_shop_list(self.inputs.shops)
            kept = 0
            for s in listed:
                x, y = to_m.transform(s.lon, s.lat)
                if not shapely.contains_xy(area, x, y):
                    left.append(f"line {s.row} {s.name!r}: outside the territory")
                    continue
                kind, cats, _ = food_shop({"shop": s.shop}) or ("", (), "")
                ref = hashlib.sha256(f"{s.name}|{s.lon:.6f}|{s.lat:.6f}".encode()).hexdigest()
                rows.append({
                    "ref": f"list-{ref[:10]}", "name": (s.name or UNNAMED_FR[s.shop])[:200],
                    "kind": kind, "status": "candidate", "accepts_mona": False,
                    "categories": ";".join(cats), "opening_hours": None,
                    "wheelchair": "unknown", "address": s.address or nearest_address(x, y),
                    "market_ref": None,
                    "source": f"{self.inputs.shops.name} line {s.row}; candidate",
                    "lon": s.lon, "lat": s.lat})
                kept += 1
            self.sources.append((self.inputs.shops, "list of shops",
                                 f"{kept} food shops (name, activity, coordinates)"))
            if left:
                self.notes.append(f"{len(left)} listed food shop(s) left out: "
                                  + "; ".join(left[:10]) + ("…" if len(left) > 10 else ""))
        seen: set[str] = set()
        unique = []
        for r in rows:
            if r["ref"] not in seen:
                seen.add(r["ref"])
                unique.append(r)
        return sorted(unique, key=lambda r: r["ref"])

    def markets(self, osm: OsmExtract, area: Any, metric: str) -> list[dict[str, Any]]:
        import shapely
        from pyproj import Transformer

        to_m = Transformer.from_crs(WGS84, metric, always_xy=True)
        rows, no_hours = [], []
        for m in osm.marketplaces:
            x, y = to_m.transform(m.lon, m.lat)
            if not shapely.contains_xy(area, x, y):
                continue
            name = m.tags.get("name") or "Marché"
            if not m.tags.get("opening_hours"):
                no_hours.append(f"{name} ({m.osm_id})")
                continue
            kind = ("halle" if m.tags.get("building") or m.tags.get("covered") == "yes"
                    else "producteurs" if "farmer" in m.tags.get("marketplace", "")
                    else "plein_vent")
            rows.append({"ref": f"osm-{m.osm_id}", "name": name[:200], "kind": kind,
                         "opening_hours": m.tags["opening_hours"],
                         "address": m.tags.get("addr:street"),
                         "source": f"OpenStreetMap {m.osm_id} amenity=marketplace (ODbL)",
                         "lon": m.lon, "lat": m.lat})
        if no_hours:
            self.notes.append(f"{len(no_hours)} OSM marketplace(s) left out for want of "
                              "opening_hours (a market needs its days): "
                              + ", ".join(no_hours[:10]) + ". Add them to markets.geojson "
                              "with their days.")
        return sorted(rows, key=lambda r: r["ref"])


def _point_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [round(r["lon"], 7), round(r["lat"], 7)]},
         "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")}}
        for r in rows]}


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8")


def _polygon_features(gdf: gpd.GeoDataFrame, properties: list[dict[str, Any]]) -> dict[str, Any]:
    import shapely

    geoms = shapely.set_precision(gdf.to_crs(WGS84).geometry.values, 1e-7)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p}
        for g, p in zip(geoms, properties, strict=True)]}


def build_territory(inputs: BuildInputs, out: Path | str, *, force: bool = False,
                    progress: Progress = quiet) -> BuildReport:
    """Build the territory folder ``out`` from ``inputs`` (written whole, or not at all)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise DataError(f"{out} exists and is not empty; choose another folder or pass --force")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        from geo_caisse.io import _gdal
        from geo_caisse.layers.territory_check import check_territory

        # GDAL (reading the inputs, writing GeoPackages) in its own process: its SQLite and
        # SpatiaLite's must never meet in one (geo_caisse.io._gdal)
        report: BuildReport = _gdal.call(_build, inputs, tmp, progress)
        progress("checking the folder…")
        check = check_territory(tmp)
        if not check.ok:
            raise DataError("the built folder does not pass territory check:\n"
                            + "\n".join(str(p) for p in check.problems))
        report.check = check
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        report.directory = out
        return report
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _build(inputs: BuildInputs, out: Path, progress: Progress) -> BuildReport:
    """Write the folder's files (run in a GDAL process: :func:`build_territory`)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    b = _Builder(inputs)
    progress(f"reading {inputs.osm.name}…")
    osm = read_osm(inputs.osm)
    bounds = osm.bounds
    if bounds is None:
        pts = [(a.lon, a.lat) for a in osm.addresses] or [
            p for _, _, line in osm.streets for p in line]
        if not pts:
            raise DataError(f"{inputs.osm}: no bounds, no streets and no addresses")
        xs, ys = zip(*pts, strict=True)
        bounds = (min(xs), min(ys), max(xs), max(ys))
    guessed_crs, guessed_tz = _place(bounds)
    metric = inputs.metric_crs or guessed_crs
    timezone = inputs.timezone or guessed_tz
    b.sources.append((inputs.osm, "OpenStreetMap extract",
                      f"walking network, {len(osm.shops)} food shops, "
                      f"{len(osm.marketplaces)} marketplaces, {len(osm.addresses)} address "
                      f"points, {len(osm.streets)} named street ways, "
                      f"{len(osm.stops) + len(osm.amenities)} named places"))
    progress("reading the boundaries…")
    levels, outline = b.zoning(osm, metric)

    # addresses: the BAN when given, else OSM's
    if inputs.addresses is not None:
        ban = read_ban(inputs.addresses)
        raw = [(a.lon, a.lat, a.street, a.number, a.suffix, "BAN") for a in ban]
        b.sources.append((inputs.addresses, "Base Adresse Nationale",
                          f"{len(ban)} address points (numero, rep, nom_voie, lon, lat)"))
    else:
        raw = [(a.lon, a.lat, a.street, a.number, a.suffix, f"OSM {a.osm_id}")
               for a in osm.addresses]
        b.notes.append(f"Addresses: the extract's {len(osm.addresses)} OSM address points "
                       f"({osm.via_associated_street} with their street from an "
                       "associatedStreet relation; bis/ter split from the number).")
        if osm.unusable_addresses:
            b.notes.append(f"{len(osm.unusable_addresses)} OSM house number(s) not usable: "
                           + ", ".join(osm.unusable_addresses[:8]))
    from pyproj import Transformer

    to_m = Transformer.from_crs(WGS84, metric, always_xy=True)
    if raw:
        ax, ay = to_m.transform([r[0] for r in raw], [r[1] for r in raw])
        inside = shapely.contains_xy(outline, ax, ay)
    else:
        ax = ay = np.zeros(0)
        inside = np.zeros(0, dtype=bool)
    raw = [r for r, ok in zip(raw, inside, strict=True) if ok]
    address_xy = np.c_[np.asarray(ax)[inside], np.asarray(ay)[inside]]
    if not raw:
        raise DataError("no address point falls in the territory: give a BAN file "
                        "(--addresses) or an OSM extract with addr:housenumber")
    labels = [(r[0], r[1], f"{r[3]}{' ' + r[4] if r[4] else ''} {r[2]}") for r in raw]

    pop = None
    if inputs.population is not None:
        pop = read_populations(inputs.population, inputs.population_column)
        b.sources.append((inputs.population, "INSEE populations",
                          f"{pop.column} ({pop.year}) for {len(pop.values)} codes"))
    b.populations(levels, pop, address_xy)
    outline = shapely.union_all(levels[list(levels)[-1]].geometry.values)
    income = None
    if inputs.income is not None:
        income = read_income(inputs.income, inputs.income_column)
        b.sources.append((inputs.income, "INSEE Filosofi",
                          f"{income.column}: median disposable income per consumption unit "
                          f"({income.year}) for {len(income.values)} codes"))
    else:
        b.notes.append("Income: none given (Filosofi); the low-income cut of the deserts "
                       "and the targeting of low-income people are not computed.")

    # ------------------------------------------------------------ write the layers
    names = list(levels)
    features, props = [], []
    for level in names:
        for _, row in levels[level].iterrows():
            med = income.values.get(row.code) if income else None
            extra: dict[str, Any] = {}
            if row.how:
                extra["population_source"] = row.how
            props.append({
                "code": row.code, "name": row["name"], "level": level,
                "parent_code": row.get("parent_code") if level != "commune" else None,
                "population": None if np.isnan(row.population) else int(row.population),
                "population_year": None if np.isnan(row.population) else row.population_year,
                "median_income_uc_eur": med, "benefit_dependent_share": None,
                "extra": extra or None})
        features.append(levels[level])
    if income is not None:
        unknown = [p["code"] for p in props if p["level"] == names[-1]
                   and p["median_income_uc_eur"] is None]
        if unknown:
            b.notes.append(f"Median income unknown for {len(unknown)} {names[-1]}(s) "
                           f"({', '.join(unknown[:8])}): INSEE's statistical secret or absent "
                           "from the table; they are never counted as low income.")
    allz = gpd.GeoDataFrame(
        geometry=np.concatenate([f.geometry.values for f in features]), crs=metric)
    allz["geometry"] = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon(
        [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"]) for g in
        shapely.make_valid(allz.geometry.values)]
    _write_json(out / "neighbourhoods.geojson", _polygon_features(allz, props))
    outline_gdf = gpd.GeoDataFrame(geometry=[outline], crs=metric)
    _write_json(out / "outline.geojson", _polygon_features(
        outline_gdf, [{"name": inputs.name, "source": "geo-caisse territory build"}]))

    pos = b.points_of_sale(osm, labels, metric, shapely.buffer(outline, IMPORT_MARGIN_M))
    _write_json(out / "points_of_sale.geojson", _point_features(pos))
    mk = b.markets(osm, outline, metric)
    if mk:
        _write_json(out / "markets.geojson", _point_features(mk))
    else:
        b.notes.append("Markets: no marketplace with its days in the extract; the territory "
                       "has no market until markets.geojson is added.")

    sources = out / "sources"
    (sources / "osm").mkdir(parents=True)
    network_source = sources / "osm" / inputs.osm.name
    shutil.copyfile(inputs.osm, network_source)
    for path, _, _ in b.sources:
        if path != inputs.osm:
            dest = sources / "inputs" / path.name
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(path, dest)

    gpd.GeoDataFrame(
        {"street": [r[2] for r in raw], "number": [r[3] for r in raw],
         "suffix": [r[4] for r in raw], "source": [r[5] for r in raw]},
        geometry=shapely.points([(r[0], r[1]) for r in raw]), crs=WGS84,
    ).to_file(out / "addresses.gpkg", driver="GPKG", engine="pyogrio")
    grid_points = 0
    if inputs.grid is not None:
        cells = read_filosofi_grid(inputs.grid, metric)
        cells = cells[shapely.contains_xy(outline, shapely.get_x(cells.geometry.values),
                                          shapely.get_y(cells.geometry.values))]
        if cells.empty:
            raise DataError(f"{inputs.grid}: no cell of the grid falls in the territory")
        cells.to_crs(WGS84).to_file(out / "population_grid.gpkg", driver="GPKG",
                                    engine="pyogrio")
        grid_points = len(cells)
        b.sources.append((inputs.grid, "INSEE Filosofi 200 m grid",
                          f"{grid_points} cells: people (Ind) and the share of poor "
                          "households (Men_pauv / Men)"))
        b.notes.append(f"Where people live: the {grid_points} Filosofi 200 m cells of the "
                       "territory at their centres, each with its people; low income is the "
                       "share of its households under the poverty line (Men_pauv / Men), "
                       "applied to its people (an approximation).")
    streets = [(n, h, line) for n, h, line in osm.streets]
    gpd.GeoDataFrame({"name": [s[0] for s in streets], "highway": [s[1] for s in streets]},
                     geometry=[shapely.LineString(s[2]) for s in streets], crs=WGS84,
                     ).to_file(out / "streets.gpkg", driver="GPKG", engine="pyogrio")
    places = [{"lon": p.lon, "lat": p.lat, "name": p.tags["name"],
               "amenity": p.tags.get("amenity", "")} for p in osm.amenities]
    stops = [{"lon": p.lon, "lat": p.lat, "name": p.tags["name"]} for p in osm.stops]
    if places:
        _write_json(out / "amenities.geojson", _point_features(places))
    if stops:
        _write_json(out / "stops.geojson", _point_features(stops))

    # the network's coverage: the finest neighbourhoods mostly inside the extract
    coverage: list[str] = []
    box = _extract_box(osm, metric)
    if b.extent == "boundaries" and box is not None:
        fine = levels[names[-1]]
        share = shapely.area(shapely.intersection(fine.geometry.values, box)) / fine.area
        coverage = sorted(fine.code[share >= COVERED_SHARE])
        b.notes.append(
            f"Network coverage: the OSM extract covers {len(coverage)} of the {len(fine)} "
            f"{names[-1]}(s) (at least {COVERED_SHARE:.0%} of their area inside its bounds): "
            f"{', '.join(coverage) or 'none'}. People elsewhere are reported outside the "
            "network, never given a walking time.")
        if not coverage:
            raise DataError(f"the OSM extract covers no {names[-1]} for half its area: "
                            "give a larger extract, or --extent osm")

    strata_note = _strata(out, inputs, b, props, names[-1])
    # the member map opens where the streets are drawn: the extract's part of the territory
    seen = outline
    if box is not None and not shapely.intersection(outline, box).is_empty:
        seen = shapely.intersection(outline, box)
    centre_pt = shapely.point_on_surface(seen)
    clon, clat = Transformer.from_crs(metric, WGS84, always_xy=True).transform(
        centre_pt.x, centre_pt.y)
    near = min(labels, key=lambda a: (a[0] - clon) ** 2 + (a[1] - clat) ** 2)
    example = near[2] + (f", {pos[0]['name']}…" if pos else "…")
    counts = {"neighbourhoods": len(props), "points_of_sale": len(pos), "markets": len(mk),
              "address points": len(raw), "street ways": len(streets)}
    _write_toml(out, inputs, b, names, metric, timezone, pop, coverage, (clon, clat), example,
                bool(places), bool(stops), bool(mk), strata_note is None, grid_points > 0)
    _write_provenance(out, inputs, b, osm, counts, strata_note)
    return BuildReport(out, counts, b.notes)


def _strata(out: Path, inputs: BuildInputs, b: _Builder, props: list[dict[str, Any]],
            level: str) -> str | None:
    """Write ``strata.csv`` when ages and an income distribution are given; else why not."""
    from geo_caisse.builder.strata import (
        estimate_strata,
        read_adults_by_band,
        read_distributions,
    )
    from geo_caisse.core.strata import STRATA

    if inputs.ages is None:
        return "no age table given (--ages)"
    adults = read_adults_by_band(inputs.ages)
    b.sources.append((inputs.ages, "INSEE populations by age",
                      f"adults by age band for {len(adults)} codes"))
    distributions = read_distributions(inputs.income) if inputs.income else {}
    if not distributions:
        return ("the income table gives no distribution (Filosofi's deciles or quartiles "
                "by IRIS or commune), only medians or nothing")
    zones = {p["code"]: (float(p["population"] or 0), p["parent_code"])
             for p in props if p["level"] == level}
    table, (q1, q2, q3), from_parent = estimate_strata(zones, adults, distributions)
    if not table:
        return f"no {level} has both an age table row and a population"
    lines = ["# ESTIMATED adults (18+) per neighbourhood and draw stratum (territory income",
             "# quartile x age band), built by geo-caisse territory build from "
             f"{inputs.ages.name} and",
             f"# {inputs.income.name if inputs.income else ''}: income quartiles of the "
             f"territory {q1:,.0f} / {q2:,.0f} / {q3:,.0f} EUR a year per",
             "# consumption unit; income and age taken as independent in a neighbourhood. "
             "Source : Insee.",
             ",".join(["neighbourhood_code", *STRATA])]
    lines += [",".join([code, *(str(row[s]) for s in STRATA)])
              for code, row in sorted(table.items())]
    (out / "strata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    b.notes.append(f"Strata: estimated for {len(table)} {level}(s) (territory income quartiles "
                   f"{q1:,.0f}, {q2:,.0f}, {q3:,.0f} €; income and age independent within a "
                   "neighbourhood)" + (f"; {len(from_parent)} took their parent's table"
                                       if from_parent else "") + ".")
    return None


def _write_toml(out: Path, inputs: BuildInputs, b: _Builder, levels: list[str], metric: str,
                timezone: str, pop: Figures | None, coverage: list[str],
                centre: tuple[float, float], example: str, has_places: bool,
                has_stops: bool, has_markets: bool, has_strata: bool, has_grid: bool) -> None:
    attribution = ["© OpenStreetMap contributors (ODbL)"]
    if inputs.communes or inputs.iris:
        attribution.append("IGN – INSEE (Licence Ouverte)")
    if inputs.population or inputs.income:
        attribution.append("Source : Insee")
    if inputs.addresses:
        attribution.append("Base Adresse Nationale (Licence Ouverte 2.0)")
    osm_rel = f"sources/osm/{inputs.osm.name}"
    lines = [
        f"# {inputs.name}: built by geo-caisse territory build on {date.today().isoformat()}",
        "# (see PROVENANCE.md for every input and estimate; docs/territory.md for each key).",
        f"code = {_toml(inputs.code)}",
        f"name = {_toml(inputs.name)}",
        f"metric_crs = {_toml(metric)}",
        f"timezone = {_toml(timezone)}",
        'outline = "outline.geojson"',
        f"import_margin_m = {IMPORT_MARGIN_M}",
        f"attribution = {_toml(' · '.join(attribution))}",
        "# the neighbourhood levels, coarse to fine",
        f"levels = {_toml(levels)}",
        "",
        "[layers]",
        'neighbourhoods = "neighbourhoods.geojson"',
        'points_of_sale = "points_of_sale.geojson"',
    ]
    if has_markets:
        lines.append('markets = "markets.geojson"')
    else:
        lines.append("# no markets: add markets = \"markets.geojson\" (with each market's days)")
    lines += ["", "[network]", "# the walking network: the OSM extract itself (osmnx, walk ways)",
              f"source = {_toml(osm_rel)}", f"coverage = {_toml(coverage)}",
              "max_snap_m = 250", "detour_factor = 1.3"]
    if has_grid:
        lines += ["", "[population]", "# people at the centres of INSEE's Filosofi 200 m cells",
                  'points = "population_grid.gpkg"', 'mode = "weighted_points"',
                  'population_column = "ind"', 'low_income_column = "share_poor"',
                  f"level = {_toml(levels[-1])}"]
    elif pop is not None:
        lines += ["", "[population]",
                  f"# {levels[-1]} populations spread over the address points",
                  'points = "addresses.gpkg"', 'mode = "spread"', f"level = {_toml(levels[-1])}"]
    lines += ["", "[accessibility]", "walk_speed_kmh = 4.5", "desert_threshold_min = 10",
              'low_income = "income_quantile"', "low_income_quantile = 0.25",
              "catchment_min = 15", "cell_size_m = 200",
              "", "[caisse]",
              "# the caisse's own rules are the committee's: set its name, allocation and",
              "# contributions here (docs/territory.md, README). Defaults: 100 MonA a month,",
              "# contributions between 1 and 150 euros.",
              f"name = {_toml('Caisse alimentaire – ' + inputs.name)[:124]}",
              "min_members_per_cell = 11",
              "", "[enrolment]",
              *(["# ESTIMATED adults per neighbourhood and draw stratum (see PROVENANCE.md)",
                 'strata = "strata.csv"'] if has_strata else [
                "# no strata: the draw's population quotas and the targeting of under-represented",
                "# strata need an estimate of adults per neighbourhood, income quartile and age",
                "# band (strata.csv, docs/territory.md); quotas can be given by hand meanwhile"]),
              "", "[basemap]", "# the background: the extract's named streets and paths",
              'streets = "streets.gpkg"', 'street_name = "name"', 'street_type = "highway"',
              'major_types = ["primary", "secondary", "tertiary", "trunk"]', "paths = true",
              f"centre = [{centre[0]:.5f}, {centre[1]:.5f}]",
              "", "[search]", "# the members' address search, offline",
              'addresses = "addresses.gpkg"', 'street = "street"', 'number = "number"',
              'suffix = "suffix"']
    if has_stops:
        lines += ['stops = "stops.geojson"', 'stop_name = "name"']
    if has_places:
        lines += ['amenities = "amenities.geojson"', 'amenity_type = "amenity"']
    lines.append(f"example = {_toml(example)}")
    (out / "territory.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


LICENCES = {
    "OpenStreetMap extract": "© OpenStreetMap contributors, ODbL 1.0: what is derived from it "
                             "(network, shops, addresses, streets) stays ODbL",
    "commune boundaries": "IGN Admin Express / INSEE COG, Licence Ouverte / Etalab",
    "IRIS boundaries": "IGN – INSEE Contours IRIS, Licence Ouverte / Etalab",
    "INSEE populations": "Source : Insee, recensements de la population, Licence Ouverte",
    "INSEE populations by age": "Source : Insee, recensements de la population, Licence Ouverte",
    "INSEE Filosofi": "Source : Insee, Filosofi, Licence Ouverte",
    "INSEE Filosofi 200 m grid": "Source : Insee, Filosofi carroyé, Licence Ouverte",
    "Base Adresse Nationale": "Base Adresse Nationale, Licence Ouverte 2.0",
    "list of shops": "the licence its producer states (a list with none stated is not "
                     "republished)",
}


def _write_provenance(out: Path, inputs: BuildInputs, b: _Builder, osm: OsmExtract,
                      counts: dict[str, int], strata_note: str | None) -> None:
    lines = [f"# {inputs.name}: where each file comes from", "",
             f"Built by `geo-caisse territory build` on {date.today().isoformat()}. Every "
             "input is copied under `sources/` (the OSM extract, which is also the walking "
             "network, in `sources/osm/`).", "", "## Inputs", ""]
    for path, role, what in b.sources:
        stamp = f" (data of {osm.timestamp})" if path == inputs.osm and osm.timestamp else ""
        lines += [f"- **{role}**: `{path.name}`{stamp}, {path.stat().st_size:,} bytes, "
                  f"SHA-256 `{_digest(path)[:16]}…`. Taken: {what}. Licence: "
                  f"{LICENCES.get(role, 'as stated by its producer')}."]
    lines += ["", "## What was written", ""]
    lines += [f"- {v:,} {k}" for k, v in counts.items()]
    lines += ["", "Every point of sale is a **candidate**: the committee decides which are "
              "conventionnés.", "", "## Estimates, omissions and what is not available", ""]
    lines += [f"- {n}" for n in b.notes]
    if strata_note is not None:
        lines += [f"- Strata: absent ({strata_note}): `[enrolment] strata` is not set, so the "
                  "draw's population quotas and the under-represented term of targeting are "
                  "unavailable until a strata.csv is added."]
    (out / "PROVENANCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
