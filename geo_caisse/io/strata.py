"""Reading the territory's strata table: adults per neighbourhood and draw stratum (CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from geo_caisse.core.errors import DataError
from geo_caisse.core.strata import STRATA

#: the columns a strata CSV must hold
STRATA_COLUMNS: tuple[str, ...] = ("neighbourhood_code", *STRATA)


def read_strata(path: Path) -> dict[str, dict[str, float]]:
    """Adults per neighbourhood and stratum: a CSV ``neighbourhood_code, Q1|<30, …`` (lines
    starting with ``#`` are comments), as built for Montpellier by ``data/prepare_montpellier``.
    """
    if not path.is_file():
        raise DataError(f"strata file {path} not found ([enrolment] strata)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: a strata CSV must be UTF-8 ({exc.reason})") from None
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    reader = csv.DictReader(lines)
    missing = [c for c in STRATA_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    out: dict[str, dict[str, float]] = {}
    for n, row in enumerate(reader, start=2):
        try:
            values = {s: float(row[s]) for s in STRATA}
        except (TypeError, ValueError):
            raise DataError(f"{path}: line {n}: every stratum must be a number") from None
        if any(not np.isfinite(x) or x < 0 for x in values.values()):
            raise DataError(f"{path}: line {n}: stratum populations must be >= 0")
        out[row["neighbourhood_code"]] = values
    if not out:
        raise DataError(f"{path}: no neighbourhood")
    return out
