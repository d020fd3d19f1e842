"""Offline address and place search over the territory's own data (no external geocoder).

The index holds the territory's address points (``[search]`` in ``territory.toml``: a point
layer with a street-name column and a house-number column; Montpellier: the city's 2014
address points), its public transport stops (stations such as Gare Saint-Roch), its OSM
amenities found by their French name ("poste", "mairie", "pharmacie", with the street they
stand in), the common names of its neighbourhoods ("la Paillade" is Mosson) and the names
of the store's markets, conventionnés and neighbourhoods. A query
such as ``"12 bd du jeu de paume"`` is normalised (accents, case, punctuation, common
abbreviations), its house number split off, and every word must start a word of the street
or place name. A street with the number gives that address (else the nearest number on the
street); a street alone gives its middle address.

Nothing is stored or logged: the index is read-only and a query lives only in the call.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geo_caisse.core.errors import DataError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory

ABBREVIATIONS = {
    "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "bvd": "boulevard",
    "r": "rue", "pl": "place", "pla": "place", "st": "saint", "ste": "sainte", "all": "allee",
    "imp": "impasse", "ch": "chemin", "chem": "chemin", "rte": "route", "sq": "square",
    "crs": "cours", "qu": "quai", "esp": "esplanade", "fbg": "faubourg", "pte": "porte",
    "lot": "lotissement", "res": "residence", "cite": "cite", "mgr": "monseigneur",
}
STOP_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "aux", "et", "en"}
MAX_QUERY_CHARS = 120
_NUMBER = re.compile(r"^(\d{1,5})\s*(bis|ter|quater|[a-d])?\b\s*,?\s*(.*)$")
_TRAILING_NUMBER = re.compile(r"^(.*\D)\s+(\d{1,5})\s*(bis|ter|quater)?$")


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, abbreviations spelled out."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", plain.lower()).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def _words(text: str) -> list[str]:
    return [w for w in text.split() if w not in STOP_WORDS] or text.split()


@dataclass(frozen=True)
class Found:
    """One answer: what it is, its label and where (WGS84)."""

    kind: str          # "address", "street" or "place"
    label: str
    lon: float
    lat: float
    detail: str = ""   # the place's kind (market, neighbourhood...) or the commune


@dataclass(frozen=True, eq=False)
class _Names:
    """Names with their normalised words, and where each one is."""

    labels: list[str]
    words: list[list[str]]
    details: list[str]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]


def _names(labels: Sequence[str], details: Sequence[str], lon: Iterable[float],
           lat: Iterable[float], also: Sequence[str] = ()) -> _Names:
    """Names, searchable by their words and by ``also`` (other words for the same place)."""
    extra = list(also) or [""] * len(labels)
    return _Names(list(labels), [_words(normalise(f"{x} {a}")) for x, a in zip(
        labels, extra, strict=True)], list(details), np.asarray(list(lon), float),
        np.asarray(list(lat), float))


class AddressIndex:
    """The search index of one territory (immutable; safe to share between threads)."""

    def __init__(self, *, street: Sequence[str], number: Sequence[int | None],
                 suffix: Sequence[str | None], lon: Sequence[float], lat: Sequence[float],
                 places: Sequence[Sequence[Any]] = ()) -> None:
        by_street: dict[str, list[int]] = {}
        for i, name in enumerate(street):
            if name:
                by_street.setdefault(str(name), []).append(i)
        self._street_names = sorted(by_street)
        self._street_rows = [np.array(by_street[s], dtype=np.intp) for s in self._street_names]
        self._street_words = [_words(normalise(s)) for s in self._street_names]
        self._number = np.array([-1 if n is None else int(n) for n in number], dtype=np.int64)
        self._suffix = [normalise(s or "") for s in suffix]
        self._lon = np.asarray(lon, dtype=float)
        self._lat = np.asarray(lat, dtype=float)
        # places: (label, detail, lon, lat[, other words to find it by])
        self._places = _names([p[0] for p in places], [p[1] for p in places],
                              [p[2] for p in places], [p[3] for p in places],
                              [p[4] if len(p) > 4 else "" for p in places])

    @property
    def n_addresses(self) -> int:
        return int(self._lon.size)

    @staticmethod
    def _score(query: list[str], name: list[str]) -> float:
        """0 when a query word starts no word of the name; more for whole and ordered words."""
        score, last = 0.0, -1
        for q in query:
            best = -1
            for j, w in enumerate(name):
                if w.startswith(q):
                    best = j
                    if w == q:
                        break
            if best < 0:
                return 0.0
            score += 2.0 if name[best] == q else 1.0
            score += 0.5 if best > last else 0.0
            last = best
        return score - 0.05 * max(0, len(name) - len(query))

    def search(self, query: str, *, n: int = 5) -> list[Found]:
        """The best ``n`` answers for ``query`` (addresses first when a number is given)."""
        if not isinstance(query, str):
            raise ValidationError("q must be text")
        if not 1 <= n <= 20:
            raise ValidationError(f"n must be between 1 and 20, got {n}")
        if len(query) > MAX_QUERY_CHARS:
            raise ValidationError(f"q must be at most {MAX_QUERY_CHARS} characters")
        text = normalise(query)
        if len(text.replace(" ", "")) < 2:
            raise ValidationError("q must hold at least 2 letters or digits")
        match = _NUMBER.match(text)
        number, suffix, rest = (int(match.group(1)), match.group(2) or "", match.group(3)) \
            if match else (None, "", text)
        tail = _TRAILING_NUMBER.match(text) if match is None else None
        if tail:  # "avenue de toulouse 100"
            number, suffix, rest = int(tail.group(2)), tail.group(3) or "", tail.group(1)
        words = _words(rest) if rest.strip() else []
        out: list[tuple[float, Found]] = []
        if words:
            scored = [(self._score(words, w), i) for i, w in enumerate(self._street_words)]
            streets = sorted(((s, i) for s, i in scored if s > 0), reverse=True)[:n]
            for s, i in streets:
                rows = self._street_rows[i]
                name = self._street_names[i]
                if number is not None:
                    nums = self._number[rows]
                    exact = rows[(nums == number) & np.array(
                        [self._suffix[r] == suffix for r in rows])]
                    pick = exact[0] if exact.size else rows[int(np.argmin(np.abs(nums - number)))]
                    extra = f" {self._suffix[pick]}" if self._suffix[pick] else ""
                    label = f"{self._number[pick]}{extra} {name}"
                    out.append((s + (1.0 if exact.size else 0.0),
                                Found("address", label, float(self._lon[pick]),
                                      float(self._lat[pick]))))
                else:
                    order = rows[np.argsort(self._number[rows], kind="stable")]
                    mid = order[order.size // 2]
                    out.append((s, Found("street", name, float(self._lon[mid]),
                                         float(self._lat[mid]))))
            place_words = words if number is None else _words(text)
        else:
            place_words = _words(text)
        for i, w in enumerate(self._places.words):
            s = self._score(place_words, w)
            if s > 0:
                # a named place before a street of the same words, an amenity after it
                bonus = -0.3 if self._places.details[i] == "amenity" else 0.25
                out.append((s + bonus, Found("place", self._places.labels[i],
                                            float(self._places.lon[i]),
                                            float(self._places.lat[i]),
                                            self._places.details[i])))
        out.sort(key=lambda t: (-t[0], t[1].label))
        seen: set[tuple[str, str]] = set()
        results = []
        for _, f in out:
            key = (f.kind, f.label)
            if key not in seen:
                seen.add(key)
                results.append(f)
        return results[:n]


def load_address_index(territory: Territory, sessions: sessionmaker[Session] | None = None,
                       *, cache_dir: Path | None = None) -> AddressIndex:
    """The territory's index: its ``[search]`` address points, stops, amenities and
    neighbourhood aliases (read once, then from ``cache_dir``), and the names of the store's
    markets, conventionnés and neighbourhoods (when ``sessions`` is given)."""
    cfg = territory.search
    if cfg is None:
        raise DataError(f"territory {territory.code} has no [search] in territory.toml: "
                        "address search is not configured")
    cached = cache_dir / f"search-{territory.code}-{_cache_key(territory)}.json" \
        if cache_dir is not None else None
    if cached is not None and cached.is_file():
        static = json.loads(cached.read_text(encoding="utf-8"))
    else:
        static = _read_static(territory)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}.partial")  # this process's
            tmp.write_text(json.dumps(static, ensure_ascii=False), encoding="utf-8")
            tmp.replace(cached)
    places: list[Sequence[Any]] = list(static["places"])
    if sessions is not None:
        places += _places(sessions)
    return AddressIndex(street=static["street"], number=static["number"],
                        suffix=static["suffix"], lon=static["lon"], lat=static["lat"],
                        places=places)


class LazyAddressIndex:
    """:func:`load_address_index` at the first search, not at start-up (thread-safe: a
    second caller waits for the first one's index)."""

    def __init__(self, territory: Territory, sessions: sessionmaker[Session] | None = None,
                 *, cache_dir: Path | None = None) -> None:
        self.territory, self.sessions, self.cache_dir = territory, sessions, cache_dir
        self._index: AddressIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> AddressIndex:
        with self._lock:
            if self._index is None:
                self._index = load_address_index(self.territory, self.sessions,
                                                 cache_dir=self.cache_dir)
            return self._index


#: bump when what the search cache holds changes
CACHE_FORMAT = 1


def _cache_key(territory: Territory) -> str:
    cfg = territory.search
    assert cfg is not None
    h = hashlib.sha256(f"search v{CACHE_FORMAT} {cfg!r}".encode())
    for path in (cfg.addresses, cfg.stops, cfg.amenities, cfg.aliases,
                 territory.layer_paths["neighbourhoods"]):
        if path is not None and path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _read_static(territory: Territory) -> dict[str, Any]:
    """What the index holds from the territory's files (not from the store)."""
    from geo_caisse.core.crs import WGS84, transformer
    from geo_caisse.io.readers import read_point_arrays

    cfg = territory.search
    assert cfg is not None
    columns = tuple(c for c in (cfg.street, cfg.number, cfg.suffix) if c)
    x, y, crs, cols = read_point_arrays(cfg.addresses, columns)
    lon, lat = transformer(crs, WGS84).transform(np.asarray(x, float), np.asarray(y, float))
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    numbers = [None if v is None or (isinstance(v, float) and not np.isfinite(v)) else int(v)
               for v in cols[cfg.number]]
    suffixes = [v if isinstance(v, str) else None for v in cols[cfg.suffix]] if cfg.suffix \
        else [None] * len(numbers)
    streets = [s if isinstance(s, str) else "" for s in cols[cfg.street]]
    return {"street": streets, "number": numbers, "suffix": suffixes,
            "lon": np.round(lon, 7).tolist(), "lat": np.round(lat, 7).tolist(),
            "places": _places_from_files(territory, _Streets(lon, lat, streets))}


def _places(sessions: sessionmaker[Session]) -> list[tuple[str, str, float, float]]:
    from geoalchemy2.shape import to_shape
    from sqlalchemy import select

    from geo_caisse.storage.models import MarketRow, NeighbourhoodRow, PointOfSaleRow

    out = []
    with sessions() as session:
        for m in session.scalars(select(MarketRow)):
            lon, lat = to_shape(m.geom).coords[0]
            out.append((m.name, "market", float(lon), float(lat)))
        for p in session.scalars(select(PointOfSaleRow).where(
                PointOfSaleRow.status == "conventionne")):
            lon, lat = to_shape(p.geom).coords[0]
            out.append((p.name, str(p.kind), float(lon), float(lat)))
        for n in session.scalars(select(NeighbourhoodRow)):
            lon, lat = to_shape(n.geom).representative_point().coords[0]
            out.append((n.name, str(n.level), float(lon), float(lat)))
    return out


#: OSM amenities a member may look for, by their French names (the first one is the label)
AMENITIES: dict[str, tuple[str, ...]] = {
    "townhall": ("Mairie", "hôtel de ville"), "post_office": ("Bureau de poste", "la poste"),
    "library": ("Bibliothèque", "médiathèque"), "hospital": ("Hôpital", "CHU"),
    "clinic": ("Clinique",), "pharmacy": ("Pharmacie",), "school": ("École",),
    "college": ("Collège", "lycée"), "university": ("Université", "faculté", "fac"),
    "kindergarten": ("École maternelle", "crèche"), "theatre": ("Théâtre",),
    "cinema": ("Cinéma",), "police": ("Police", "commissariat"),
    "community_centre": ("Maison de quartier", "maison pour tous"),
    "social_centre": ("Centre social",), "social_facility": ("Centre social", "accueil"),
    "place_of_worship": ("Lieu de culte", "église", "mosquée", "temple", "synagogue"),
    "marketplace": ("Place du marché", "marché"), "courthouse": ("Palais de justice",),
    "job_centre": ("France Travail", "pôle emploi"), "health_centre": ("Centre de santé",),
}


def _places_from_files(territory: Territory, street_of: _Streets) -> list[list[Any]]:
    """Stops, amenities and neighbourhood aliases of the territory's ``[search]`` files."""
    import csv

    from geo_caisse.core.crs import WGS84, transformer
    from geo_caisse.io.readers import load_neighbourhoods_file, read_vector_layers

    cfg = territory.search
    assert cfg is not None
    out: list[list[Any]] = []
    requests = [(p, (c,)) for p, c in ((cfg.stops, cfg.stop_name),
                                       (cfg.amenities, cfg.amenity_type)) if p is not None]
    layers = iter(read_vector_layers(requests))
    if cfg.stops is not None:
        stops = next(layers)
        seen: set[str] = set()
        to_wgs = transformer(stops.crs, WGS84)
        for geom, name in zip(stops.geometries, stops.columns[cfg.stop_name], strict=True):
            if geom is None or not isinstance(name, str) or not name.strip():
                continue
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            lon, lat = to_wgs.transform(point.x, point.y)
            if name.strip() not in seen:  # a stop's platforms: one answer
                seen.add(name.strip())
                out.append([name.strip(), "stop", float(lon), float(lat), "arret tram gare"])
    if cfg.amenities is not None:
        amenities = next(layers)
        to_wgs = transformer(amenities.crs, WGS84)
        for geom, kind in zip(amenities.geometries, amenities.columns[cfg.amenity_type],
                              strict=True):
            names = AMENITIES.get(str(kind))
            if geom is None or names is None:
                continue
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            lon, lat = to_wgs.transform(point.x, point.y)
            street = street_of(float(lon), float(lat))
            label = f"{names[0]}, {street}" if street else names[0]
            out.append([label, "amenity", float(lon), float(lat), " ".join(names[1:])])
    if cfg.aliases is not None:
        if not cfg.aliases.is_file():
            raise DataError(f"[search] aliases file {cfg.aliases} not found")
        zones = {n.code: (n, g) for n, g in load_neighbourhoods_file(
            territory.layer_paths["neighbourhoods"], territory)}
        lines = [ln for ln in cfg.aliases.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith("#")]
        for row in csv.DictReader(lines):
            code = (row.get("neighbourhood_code") or "").strip()
            if code not in zones:
                raise DataError(f"{cfg.aliases}: unknown neighbourhood_code {code!r}")
            zone, geom = zones[code]
            point = geom.representative_point()
            out.append([f"{(row.get('alias') or '').strip()} ({zone.name})", zone.level,
                        float(point.x), float(point.y)])
    return out


class _Streets:
    """The street of the nearest address point (within ``radius_m``) of a place."""

    def __init__(self, lon: NDArray[np.float64], lat: NDArray[np.float64],
                 streets: Sequence[str], *, radius_m: float = 150.0) -> None:
        from scipy.spatial import cKDTree

        self._streets = list(streets)
        k = np.cos(np.radians(float(np.nanmean(lat)) if lat.size else 45.0))
        self._k = k
        self._tree = cKDTree(np.column_stack([lon * k, lat])) if lon.size else None
        self._radius = radius_m / 111_320.0

    def __call__(self, lon: float, lat: float) -> str:
        if self._tree is None:
            return ""
        d, i = self._tree.query((lon * self._k, lat))
        return self._streets[int(i)] if d <= self._radius else ""


__all__ = ["AMENITIES", "AddressIndex", "Found", "LazyAddressIndex", "load_address_index",
           "normalise"]
