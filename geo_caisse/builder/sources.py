"""The French open-data tables a territory is built from, read as they are published.

- boundaries: IGN Admin Express communes, IGN/INSEE IRIS contours (GeoJSON, GeoPackage, or a
  zipped shapefile such as OpenDataSoft's ``georef-france-iris``), any CRS;
- INSEE populations by commune or IRIS (``codgeo`` + ``p21_pop``…, or ``IRIS`` + ``P19_POP``);
- INSEE Filosofi median income per consumption unit by IRIS or commune (``DISP_MED19``…);
- the Base Adresse Nationale CSV (``numero``, ``rep``, ``nom_voie``, ``lon``, ``lat``);
- a caisse's own list of shops (a CSV with a name, an activity and coordinates).

Columns are found by their usual INSEE/IGN names; a file where none is found is refused with
the columns it has. French decimal commas and ``;`` separators are read as such.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo_caisse.core.errors import DataError

if TYPE_CHECKING:
    import geopandas as gpd

CODE_COLUMNS = {
    "iris": ("iris_code", "code_iris", "CODE_IRIS", "IRIS", "iris", "DCOMIRIS", "code"),
    "commune": ("code", "insee_com", "INSEE_COM", "com_code", "codgeo", "CODGEO", "COM",
                "DEPCOM", "code_insee"),
}
NAME_COLUMNS = {
    "iris": ("iris_name", "NOM_IRIS", "nom_iris", "LIBIRIS", "nom", "name"),
    "commune": ("nom", "name", "NOM_COM", "nom_com", "com_name", "libgeo", "LIBGEO", "LIBCOM"),
}
IRIS_COMMUNE_CODE = ("com_code", "INSEE_COM", "insee_com", "DEPCOM", "COM")
IRIS_COMMUNE_NAME = ("com_name", "NOM_COM", "nom_com", "LIBCOM")
GRAND_QUARTIER_NAME = ("iris_grd_qu", "grd_quart", "NOM_GRD_QUARTIER", "LIBGQ")
#: Paris, Lyon and Marseille: INSEE counts people by arrondissement municipal, IGN draws the
#: commune; a commune's population is the sum of its arrondissements'
PLM = {"75056": ("751",), "69123": ("6938",), "13055": ("132",)}


def fix_mojibake(text: str) -> str:
    """UTF-8 text that was read as Latin-1 (``"MÃ©tropole"``), read back as UTF-8."""
    if "Ã" not in text and "Â" not in text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _pick(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for w in wanted:
        if w in columns:
            return w
        if w.lower() in lower:
            return lower[w.lower()]
    return None


def _need(path: Path, columns: list[str], wanted: tuple[str, ...], what: str) -> str:
    found = _pick(columns, wanted)
    if found is None:
        raise DataError(f"{path}: no {what} column (looked for {', '.join(wanted)}); its "
                        f"columns are {', '.join(columns)}")
    return found


def _values(gdf: gpd.GeoDataFrame, column: str) -> list[str]:
    """A column's values as text (the first of two columns of one name: a shapefile's field
    names are cut at 10 characters, ``iris_grd_quart`` and ``iris_grd_qu_code`` both end up
    ``iris_grd_qu``)."""
    values = gdf[column]
    if values.ndim > 1:
        values = values.iloc[:, 0]
    return [fix_mojibake(str(v)).strip() for v in values]


def _vector(path: Path, what: str, crs_hint: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A vector file (GeoJSON, GeoPackage, a zipped shapefile) with its CRS, and its columns."""
    import geopandas as gpd

    if not path.is_file():
        raise DataError(f"{path}: {what} file not found")
    source = f"zip://{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        gdf = gpd.read_file(source, engine="pyogrio")
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise DataError(f"{path}: not a readable vector file ({exc})") from None
    if gdf.crs is None:
        raise DataError(f"{path}: the {what} file has no CRS ({crs_hint})")
    return gdf, [c for c in gdf.columns if c != "geometry"]


def read_boundaries(path: Path, level: str, metric_crs: str) -> gpd.GeoDataFrame:
    """Boundaries of ``level`` (``commune`` or ``iris``) as a GeoDataFrame in the metric CRS:
    ``code``, ``name``, ``parent_code`` (an IRIS's commune), ``commune_name``,
    ``grand_quartier`` (an IRIS's grand quartier name, when the file has one)."""
    import geopandas as gpd
    import shapely

    gdf, columns = _vector(path, "boundaries", "give them one (e.g. EPSG:4326)")
    code = _need(path, columns, CODE_COLUMNS[level], f"{level} code")
    name = _need(path, columns, NAME_COLUMNS[level], f"{level} name")
    out = gpd.GeoDataFrame({"code": _values(gdf, code), "name": _values(gdf, name)},
                           geometry=gdf.geometry.values, crs=gdf.crs)
    if level == "iris":
        com = _pick(columns, IRIS_COMMUNE_CODE)
        out["parent_code"] = _values(gdf, com) if com else [c[:5] for c in out.code]
        com_name = _pick(columns, IRIS_COMMUNE_NAME)
        out["commune_name"] = _values(gdf, com_name) if com_name else out.parent_code
        gq = _pick(columns, GRAND_QUARTIER_NAME)
        out["grand_quartier"] = _values(gdf, gq) if gq else None
    out = out.to_crs(metric_crs)
    out["geometry"] = shapely.make_valid(out.geometry.values)
    if out.code.duplicated().any():
        dup = sorted(set(out.code[out.code.duplicated()]))
        raise DataError(f"{path}: {level} code(s) {', '.join(dup[:5])} appear twice")
    return out


def _text_of(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(f"{path}: neither UTF-8 nor Windows-1252 text")  # pragma: no cover


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV (``,`` or ``;``, UTF-8 or Windows-1252, optionally gzipped): header and rows."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    text = _text_of(path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise DataError(f"{path}: empty table")
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    return header, rows


def number(text: str) -> float | None:
    """``"15260"``, ``"15 260,5"`` → a float; empty, ``NA``, ``s`` (INSEE's secret) → None."""
    t = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if t in ("", "NA", "na", "s", "nd", "ND", "null"):
        return None
    try:
        return float(t)
    except ValueError:
        return None


@dataclass(frozen=True)
class Figures:
    """One figure per INSEE code, with the column and year it comes from."""

    values: dict[str, float]
    column: str
    year: int | None
    source: Path


def _year_of(column: str) -> int | None:
    m = re.search(r"(\d{2})(?:_|$)", column) or re.search(r"(\d{2})", column)
    return 2000 + int(m.group(1)) if m else None


def read_populations(path: Path, column: str | None = None) -> Figures:
    """INSEE populations by commune or IRIS code: the latest ``pNN_pop`` / ``PNN_POP``
    column unless ``column`` names one; arrondissements of Paris, Lyon and Marseille are
    also summed into their commune."""
    values, column = _by_code(path, column, r"p(\d{2})_pop", "population column (pNN_pop)",
                              "--population-column")
    for commune, prefixes in PLM.items():
        parts = [v for c, v in values.items() if c.startswith(prefixes) and len(c) == 5]
        if parts and commune not in values:
            values[commune] = sum(parts)
    return Figures(values, column, _year_of(column), path)


def _by_code(path: Path, column: str | None, pattern: str, what: str, option: str
             ) -> tuple[dict[str, float], str]:
    """One figure per commune or IRIS code of an INSEE table: from ``column``, or from the
    latest column whose name matches ``pattern`` (its group: the year's two digits)."""
    header, rows = read_table(path)
    code = _need(path, header, ("IRIS", "iris_code", "CODE_IRIS", "codgeo", "CODGEO", "COM",
                                "code"), "commune or IRIS code")
    if column is None:
        found = [(int(m.group(1)), c) for c in header
                 if (m := re.fullmatch(pattern, c, re.I))]
        if not found:
            raise DataError(f"{path}: no {what}; its columns are {', '.join(header)}; name "
                            f"one with {option}")
        column = max(found)[1]
    elif column not in header:
        raise DataError(f"{path}: no column {column!r}; its columns are {', '.join(header)}")
    values = {}
    for row in rows:
        v = number(row.get(column, ""))
        if v is not None and row.get(code):
            values[row[code]] = v
    return values, column


def read_income(path: Path, column: str | None = None) -> Figures:
    """INSEE Filosofi median disposable income per consumption unit (euros a year) by IRIS or
    commune: the ``DISP_MEDnn`` / ``DEC_MEDnn`` / ``MEDnn`` column unless ``column`` names one.
    IRIS under INSEE's statistical secret have no value (left unknown, never 0)."""
    values, column = _by_code(path, column, r"(?:DISP_|DEC_)?MED(\d{2})",
                              "median income column (DISP_MEDnn, DEC_MEDnn, MEDnn)",
                              "--income-column")
    return Figures(values, column, _year_of(column), path)


@dataclass(frozen=True)
class Address:
    lon: float
    lat: float
    street: str
    number: int
    suffix: str


def read_ban(path: Path) -> list[Address]:
    """Base Adresse Nationale points (``numero``, ``rep``, ``nom_voie``, ``lon``, ``lat``)."""
    from geo_caisse.builder.osm import SUFFIXES

    header, rows = read_table(path)
    cols = [_need(path, header, (c,), c) for c in ("numero", "nom_voie", "lon", "lat")]
    rep = _pick(header, ("rep", "suffixe"))
    out = []
    for row in rows:
        num, lon, lat = number(row[cols[0]]), number(row[cols[2]]), number(row[cols[3]])
        street = row[cols[1]]
        if num is None or lon is None or lat is None or not street or street == "NA":
            continue
        suffix = row.get(rep, "") if rep else ""
        suffix = "" if suffix == "NA" else suffix
        suffix = SUFFIXES.get(suffix.lower(), suffix) if suffix.islower() else suffix
        out.append(Address(lon, lat, street, int(num), suffix))
    if not out:
        raise DataError(f"{path}: no usable address row (numero, nom_voie, lon, lat)")
    return out


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if unicodedata.category(c) != "Mn").strip()


#: a shop list's activity (French, as communes and chambers of commerce write it, or OSM's
#: shop=* value) -> the OSM shop value it stands for; other activities are not food shops
ACTIVITIES = {
    "alimentation generale": "convenience", "epicerie": "grocery", "superette": "convenience",
    "supermarche": "supermarket", "hypermarche": "supermarket", "boulangerie": "bakery",
    "boulangerie patisserie": "bakery", "boulangerie-patisserie": "bakery",
    "patisserie": "pastry", "boucherie": "butcher", "boucherie charcuterie": "butcher",
    "boucherie-charcuterie": "butcher", "charcuterie": "deli", "traiteur": "deli",
    "primeur": "greengrocer", "fruits et legumes": "greengrocer", "poissonnerie": "seafood",
    "fromagerie": "cheese", "cremerie": "dairy", "magasin bio": "organic",
    "produits bio": "organic", "surgeles": "frozen_food", "vente a la ferme": "farm",
}


@dataclass(frozen=True)
class ListedShop:
    row: int
    name: str
    shop: str  # the OSM shop value of its activity
    lon: float
    lat: float
    address: str


def read_shop_list(path: Path) -> tuple[list[ListedShop], list[str]]:
    """A caisse's (or commune's) list of shops: food shops kept, with the reasons others were
    left out (not food, no coordinates, geocoded only to the commune)."""
    from geo_caisse.builder.osm import FOOD_SHOPS

    header, rows = read_table(path)
    name = _need(path, header, ("name", "nom", "Enseigne", "enseigne", "raison_sociale"), "name")
    activity = _need(path, header, ("activity", "Activité", "activite", "shop", "type"),
                     "activity")
    lon = _need(path, header, ("lon", "longitude", "x"), "longitude")
    lat = _need(path, header, ("lat", "latitude", "y"), "latitude")
    label = _pick(header, ("address", "adresse", "result_label"))
    kind = _pick(header, ("result_type",))
    kept, left = [], []
    for i, row in enumerate(rows, start=2):
        act = _plain(row[activity])
        shop = act if act in FOOD_SHOPS else ACTIVITIES.get(act)
        if shop is None:
            continue
        x, y = number(row[lon]), number(row[lat])
        where = row.get(label, "") if label else ""
        if x is None or y is None:
            left.append(f"line {i} {row[name]!r}: no coordinates")
            continue
        if kind and row.get(kind) == "municipality":
            left.append(f"line {i} {row[name]!r}: geocoded only to the commune ({where})")
            continue
        kept.append(ListedShop(i, row[name] or "", shop, x, y, where))
    return kept, left


def read_filosofi_grid(path: Path, metric_crs: str) -> gpd.GeoDataFrame:
    """INSEE's Filosofi 200 m grid (``Ind``, ``Men``, ``Men_pauv``, any CRS: the national
    files are in LAEA, EPSG:3035): each cell's centre in the metric CRS with its people
    (``ind``) and the share of its households under the poverty line (``share_poor``, used
    as the share of its people; cells of fewer than 11 households are INSEE's own rule)."""
    import geopandas as gpd
    import numpy as np

    gdf, columns = _vector(path, "Filosofi grid", "INSEE's is EPSG:3035")
    ind = _need(path, columns, ("Ind", "ind"), "people (Ind)")
    men = _need(path, columns, ("Men", "men"), "households (Men)")
    poor = _need(path, columns, ("Men_pauv", "men_pauv"), "poor households (Men_pauv)")
    people = gdf[ind].astype(float).to_numpy()
    households = gdf[men].astype(float).to_numpy()
    share = np.where(households > 0, gdf[poor].astype(float).to_numpy()
                     / np.maximum(households, 1e-9), 0.0)
    centres = gdf.to_crs(metric_crs).geometry.centroid
    out = gpd.GeoDataFrame({"ind": people, "share_poor": np.clip(share, 0.0, 1.0)},
                           geometry=centres.values, crs=metric_crs)
    return out[np.isfinite(out.ind) & (out.ind > 0)]
