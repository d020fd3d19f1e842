"""What a territory folder takes from an OpenStreetMap extract, read with pyosmium.

``.osm``, ``.osm.bz2``, ``.osm.gz`` and ``.osm.pbf`` are read the same way (libosmium), in two
streaming passes: the ``associatedStreet`` relations first (French addresses often carry
their street there, not in ``addr:street``), then the nodes and ways with their locations.
Taken from the extract:

- food shops (``shop=*`` of the food kinds, :data:`FOOD_SHOPS`), candidates for the
  committee: never conventionnés by the builder;
- marketplaces (``amenity=marketplace``);
- address points (``addr:housenumber`` on nodes, or on ways at their centroid), the house
  number split from its ``bis``/``ter``/letter suffix;
- named streets (``highway=*`` ways with a ``name``), for the background map;
- named places to search (public transport stops, amenities such as the post office).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo_caisse.core.errors import DataError

#: OSM ``shop=*`` value -> (point-of-sale kind, geo_caisse categories). Alcohol and hygiene
#: shops are not food the Mona may buy; a multi-valued tag is food only if each value is.
FOOD_SHOPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "supermarket": ("shop", ("supermarket",)),
    "convenience": ("epicerie", ("convenience",)),
    "grocery": ("epicerie", ("grocery",)),
    "food": ("epicerie", ("grocery",)),
    "greengrocer": ("shop", ("fruit_vegetables",)),
    "bakery": ("shop", ("bakery",)),
    "pastry": ("shop", ("bakery",)),
    "butcher": ("shop", ("butcher",)),
    "organic": ("shop", ("organic",)),
    "health_food": ("shop", ("organic",)),
    "farm": ("producer", ("farm",)),
    "deli": ("shop", ("deli",)),
    "cheese": ("shop", ("cheese",)),
    "dairy": ("shop", ("dairy",)),
    "seafood": ("shop", ("seafood",)),
    "frozen_food": ("shop", ("frozen_food",)),
}
#: the name shown for a shop OSM gives no name
UNNAMED_FR: dict[str, str] = {
    "supermarket": "Supermarché", "convenience": "Épicerie de proximité", "grocery": "Épicerie",
    "food": "Épicerie", "greengrocer": "Primeur", "bakery": "Boulangerie",
    "pastry": "Pâtisserie", "butcher": "Boucherie", "organic": "Magasin bio",
    "health_food": "Magasin bio", "farm": "Vente à la ferme", "deli": "Traiteur",
    "cheese": "Fromagerie", "dairy": "Crèmerie", "seafood": "Poissonnerie",
    "frozen_food": "Surgelés",
}
#: OSM amenities a member may search by their French name (the search's places)
SEARCH_AMENITIES = frozenset({
    "townhall", "post_office", "pharmacy", "library", "school", "college", "community_centre",
    "social_facility", "social_centre", "place_of_worship", "hospital", "clinic", "doctors",
    "police", "theatre", "cinema", "bus_station", "marketplace", "kindergarten",
})
#: ``highway=*`` values that are no street to draw (a platform, a stop, a way not built)
NOT_STREETS = frozenset({"platform", "bus_stop", "elevator", "proposed", "construction",
                         "abandoned", "razed", "raceway", "corridor", "emergency_bay"})
#: French house-number suffixes (BAN's ``rep``): OSM writes them in many ways
SUFFIXES = {"b": "bis", "bis": "bis", "t": "ter", "ter": "ter", "q": "quater",
            "qua": "quater", "quater": "quater", "c": "quinquies", "quinquies": "quinquies"}
#: marks a relation whose street name is its street way's (resolved in the second pass)
UNRESOLVED = "\x01"
_NUMBER = re.compile(r"^\s*(\d{1,5})\s*([A-Za-z]{1,9})?\s*$")


def split_house_number(value: str) -> list[tuple[int, str]]:
    """``"12 bis"`` → ``[(12, "bis")]``; ``"26B"`` → ``[(26, "B")]``; ``"3t"`` → ``[(3, "ter")]``;
    ``"12;14"`` → both; a value that is no house number (``"S/N"``) → ``[]``.

    A lowercase one-letter suffix is the French abbreviation (b bis, t ter, q quater), as in
    the BAN; a capital letter is a letter suffix (26 A, 26 B) and is kept as written."""
    out = []
    for part in re.split(r"[;,]", value):
        m = _NUMBER.match(part)
        if m is None:
            continue
        number, suffix = int(m.group(1)), m.group(2) or ""
        if suffix.lower() in SUFFIXES and not (len(suffix) == 1 and suffix.isupper()):
            suffix = SUFFIXES[suffix.lower()]
        out.append((number, suffix))
    return out


@dataclass(frozen=True)
class OsmPoint:
    """A tagged OSM object placed at one point (a node, or a way's centroid)."""

    osm_id: str  # "n123" or "w123"
    lon: float
    lat: float
    tags: dict[str, str]


@dataclass(frozen=True)
class OsmAddress:
    lon: float
    lat: float
    street: str
    number: int
    suffix: str
    osm_id: str


@dataclass
class OsmExtract:
    """What the builder takes from one extract."""

    path: Path
    bounds: tuple[float, float, float, float] | None
    timestamp: str
    shops: list[OsmPoint] = field(default_factory=list)
    marketplaces: list[OsmPoint] = field(default_factory=list)
    addresses: list[OsmAddress] = field(default_factory=list)
    streets: list[tuple[str, str, list[tuple[float, float]]]] = field(default_factory=list)
    stops: list[OsmPoint] = field(default_factory=list)
    amenities: list[OsmPoint] = field(default_factory=list)
    #: house numbers that are no number ("S/N"), or have no street anywhere
    unusable_addresses: list[str] = field(default_factory=list)
    non_food_shops: int = 0
    via_associated_street: int = 0


def food_shop(tags: dict[str, str]) -> tuple[str, tuple[str, ...], str] | None:
    """``(kind, categories, shop value)`` of a food shop's tags, or None."""
    values = [v.strip() for v in tags.get("shop", "").split(";") if v.strip()]
    if not values or not all(v in FOOD_SHOPS for v in values):
        return None
    kind = FOOD_SHOPS[values[0]][0]
    cats = [c for v in values for c in FOOD_SHOPS[v][1]]
    if tags.get("organic") in ("only", "yes") and "organic" not in cats:
        cats.append("organic")
    return kind, tuple(dict.fromkeys(cats)), values[0]


def _open(path: Path) -> Any:
    try:
        import osmium
    except ImportError:  # pragma: no cover - a dependency of geo_caisse
        raise DataError("reading OSM files needs pyosmium (pip install osmium)") from None
    if not path.is_file():
        raise DataError(f"{path}: OSM extract not found")
    name = path.name.lower()
    if not name.endswith((".osm", ".osm.bz2", ".osm.gz", ".osm.xml", ".osm.pbf", ".pbf")):
        raise DataError(f"{path}: not an OSM extract; expected .osm, .osm.bz2, .osm.gz or "
                        ".osm.pbf")
    return osmium


def _header(osmium: Any, path: Path) -> tuple[tuple[float, float, float, float] | None, str]:
    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
    except RuntimeError as exc:
        raise DataError(f"{path}: not a readable OSM file ({exc})") from None
    box = header.box()
    bounds = None
    if box.valid():
        bounds = (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon,
                  box.top_right.lat)
    stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp") or ""
    return bounds, str(stamp)


def _associated_streets(osmium: Any, path: Path) -> tuple[dict[str, str], dict[int, str]]:
    """Pass 1: member id (``n1``/``w2``) of each house -> its relation's street name, and the
    relations without a name: their street way id -> relation id (named in pass 2)."""
    houses: dict[str, str] = {}
    unnamed: dict[int, str] = {}
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        if rel.tags.get("type") != "associatedStreet":
            continue
        name = rel.tags.get("name", "")
        key = name or f"{UNRESOLVED}{rel.id}"
        for m in rel.members:
            if m.role == "house":
                houses[f"{m.type}{m.ref}"] = key
            elif m.role == "street" and m.type == "w" and not name:
                unnamed[m.ref] = key
    return houses, unnamed


def _centroid(way: Any) -> tuple[float, float] | None:
    try:
        coords = [(n.lon, n.lat) for n in way.nodes]
    except Exception:  # osmium.InvalidLocationError: a node outside the extract
        return None
    if not coords:
        return None
    if len(coords) > 3 and coords[0] == coords[-1]:
        import shapely

        c = shapely.Polygon(coords).centroid
        if not c.is_empty:
            return float(c.x), float(c.y)
    return (sum(x for x, _ in coords) / len(coords), sum(y for _, y in coords) / len(coords))


def read_osm(path: Path | str) -> OsmExtract:
    """Read what a territory folder needs from an OSM extract (see the module's docstring)."""
    path = Path(path)
    osmium = _open(path)
    bounds, stamp = _header(osmium, path)
    try:
        houses, unnamed = _associated_streets(osmium, path)
        return _read_objects(osmium, path, bounds, stamp, houses, unnamed)
    except RuntimeError as exc:  # libosmium's parse errors
        raise DataError(f"{path}: not a readable OSM file ({exc})") from None


def _objects(osmium: Any, path: Path) -> Iterator[Any]:
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    yield from fp.with_locations()


def _read_objects(osmium: Any, path: Path, bounds: tuple[float, float, float, float] | None,
                  stamp: str, houses: dict[str, str], unnamed: dict[int, str]) -> OsmExtract:
    out = OsmExtract(path=path, bounds=bounds, timestamp=stamp)
    relation_names: dict[str, str] = {}
    pending: list[tuple[str, float, float, str]] = []  # (osm id, lon, lat, housenumber)
    for obj in _objects(osmium, path):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            osm_id = f"n{obj.id}"
            if not tags:
                continue
            if not obj.location.valid():
                continue
            lonlat: tuple[float, float] | None = (obj.location.lon, obj.location.lat)
        else:
            osm_id = f"w{obj.id}"
            if obj.id in unnamed and tags.get("name"):
                relation_names[unnamed[obj.id]] = tags["name"]
            if not tags:
                continue
            highway = tags.get("highway")
            if (highway and highway not in NOT_STREETS and tags.get("name")
                    and tags.get("area") != "yes"):
                try:
                    line = [(n.lon, n.lat) for n in obj.nodes]
                except Exception:  # a node outside the extract
                    line = []
                if len(line) >= 2:
                    out.streets.append((tags["name"], highway, line))
            if not ({"shop", "addr:housenumber"} & tags.keys()
                    or tags.get("amenity") in SEARCH_AMENITIES):
                continue
            lonlat = _centroid(obj)
        if lonlat is None:
            continue
        lon, lat = lonlat
        point = OsmPoint(osm_id, lon, lat, tags)
        if "shop" in tags:
            if food_shop(tags) is not None:
                out.shops.append(point)
            else:
                out.non_food_shops += 1
        amenity = tags.get("amenity")
        if amenity == "marketplace":
            out.marketplaces.append(point)
        if tags.get("name") and (tags.get("highway") == "bus_stop"
                                 or tags.get("railway") in ("tram_stop", "station", "halt")
                                 or tags.get("public_transport") == "station"):
            out.stops.append(point)
        elif tags.get("name") and amenity in SEARCH_AMENITIES:
            out.amenities.append(point)
        if "addr:housenumber" in tags:
            street = tags.get("addr:street") or tags.get("addr:place") or ""
            if not street and osm_id in houses:
                street = houses[osm_id]
                out.via_associated_street += 1
            pending.append((osm_id, lon, lat, f"{street}\x00{tags['addr:housenumber']}"))
    for osm_id, lon, lat, packed in pending:
        street, raw = packed.split("\x00")
        if street.startswith(UNRESOLVED):
            street = relation_names.get(street, "")
        parts = split_house_number(raw)
        if not parts or not street:
            out.unusable_addresses.append(f"{osm_id} {raw!r}" + ("" if street else " (no street)"))
            continue
        for number, suffix in parts:
            out.addresses.append(OsmAddress(lon, lat, street, number, suffix, osm_id))
    return out
