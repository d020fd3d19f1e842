"""Offline address and place search over the territory's own data (no external geocoder).

The index holds the territory's address points (``[search]`` in ``territory.toml``: a point
layer with a street-name column and a house-number column; Montpellier: the city's 2014
address points) and the names of its markets, points of sale and neighbourhoods. A query
such as ``"12 bd du jeu de paume"`` is normalised (accents, case, punctuation, common
abbreviations), its house number split off, and every word must start a word of the street
or place name. A street with the number gives that address (else the nearest number on the
street); a street alone gives its middle address.

Nothing is stored or logged: the index is read-only and a query lives only in the call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
           lat: Iterable[float]) -> _Names:
    return _Names(list(labels), [_words(normalise(x)) for x in labels], list(details),
                  np.asarray(list(lon), float), np.asarray(list(lat), float))


class AddressIndex:
    """The search index of one territory (immutable; safe to share between threads)."""

    def __init__(self, *, street: Sequence[str], number: Sequence[int | None],
                 suffix: Sequence[str | None], lon: Sequence[float], lat: Sequence[float],
                 places: Sequence[tuple[str, str, float, float]] = ()) -> None:
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
        self._places = _names([p[0] for p in places], [p[1] for p in places],
                              [p[2] for p in places], [p[3] for p in places])

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
                out.append((s + 0.25, Found("place", self._places.labels[i],
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


def load_address_index(territory: Territory, sessions: sessionmaker[Session] | None = None
                       ) -> AddressIndex:
    """The territory's index: its ``[search]`` address points, and the names of the
    store's markets, conventionnés and neighbourhoods (when ``sessions`` is given)."""
    from geo_caisse.core.crs import WGS84, transformer
    from geo_caisse.io.readers import read_point_arrays

    cfg = territory.search
    if cfg is None:
        raise DataError(f"territory {territory.code} has no [search] in territory.toml: "
                        "address search is not configured")
    columns = tuple(c for c in (cfg.street, cfg.number, cfg.suffix) if c)
    x, y, crs, cols = read_point_arrays(cfg.addresses, columns)
    lon, lat = transformer(crs, WGS84).transform(np.asarray(x, float), np.asarray(y, float))
    numbers = [None if v is None or (isinstance(v, float) and not np.isfinite(v)) else int(v)
               for v in cols[cfg.number]]
    suffixes = [v if isinstance(v, str) else None for v in cols[cfg.suffix]] if cfg.suffix \
        else [None] * len(numbers)
    places: list[tuple[str, str, float, float]] = []
    if sessions is not None:
        places = _places(sessions)
    return AddressIndex(street=[s if isinstance(s, str) else "" for s in cols[cfg.street]],
                        number=numbers, suffix=suffixes, lon=np.asarray(lon, float).tolist(),
                        lat=np.asarray(lat, float).tolist(), places=places)


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


__all__ = ["AddressIndex", "Found", "load_address_index", "normalise"]
