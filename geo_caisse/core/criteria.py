"""``[conventionnement]``: the caisse's own criteria for conventionner a point of sale.

Each caisse's committee writes its grid (Montpellier's has 27 criteria, not published); a
territory lists them in ``territory.toml``::

    [conventionnement]
    illustrative = true      # say so on every page until the committee replaces them
    criteria = [
      { key = "produits-locaux", family = "Qualité des produits",
        label = "Produits locaux ou de saison, origine affichée" },
    ]

>>> c = Criteria.parse({"criteria": [{"key": "a", "family": "F", "label": "L"}]}, "t.toml")
>>> [x.key for x in c.items], c.illustrative
(['a'], False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from geo_caisse.core.errors import DataError

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


@dataclass(frozen=True)
class Criterion:
    """One criterion of the grid: a short ``key`` (kept in each dossier), its ``family``
    (product quality, waste, accessibility, governance…) and the sentence the committee
    reads."""

    key: str
    family: str
    label: str


@dataclass(frozen=True)
class Criteria:
    """The grid, in the committee's order; ``illustrative`` until the committee writes its
    own."""

    items: tuple[Criterion, ...] = ()
    illustrative: bool = False

    @classmethod
    def parse(cls, table: dict[str, Any], where: str) -> Criteria:
        raw = table.get("criteria", [])
        if not isinstance(raw, list):
            raise DataError(f"{where}: [conventionnement] criteria must be a list of tables")
        items: list[Criterion] = []
        for i, c in enumerate(raw, start=1):
            if not isinstance(c, dict) or not all(isinstance(c.get(k), str) and c.get(k)
                                                   for k in ("key", "family", "label")):
                raise DataError(f"{where}: [conventionnement] criterion {i} needs key, family "
                                "and label (text)")
            if not KEY.match(c["key"]):
                raise DataError(f"{where}: [conventionnement] criterion {i}: key {c['key']!r} "
                                "must be lower-case letters, digits, '-' or '_' (≤ 60)")
            if len(c["label"]) > 300 or len(c["family"]) > 100:
                raise DataError(f"{where}: [conventionnement] criterion {i}: label ≤ 300 and "
                                "family ≤ 100 characters")
            items.append(Criterion(c["key"], c["family"], c["label"]))
        keys = [c.key for c in items]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise DataError(f"{where}: [conventionnement] criteria keys used twice: {twice}")
        illustrative = table.get("illustrative", False)
        if not isinstance(illustrative, bool):
            raise DataError(f"{where}: [conventionnement] illustrative must be true or false")
        return cls(tuple(items), illustrative)

    def get(self, key: str) -> Criterion | None:
        """The criterion named ``key``, if the grid has it."""
        return next((c for c in self.items if c.key == key), None)


__all__ = ["Criteria", "Criterion"]
