"""Bulk ledger import: a SYNTHETIC year of Mona movements imported whole, on SpatiaLite and
PostGIS, against the goal of PostGIS within 2× SpatiaLite.

    .venv/bin/python benchmarks/bench_import.py [--members 400] [--seed 2025] [--backends ...]

Each backend gets a fresh store with the bundled data; ``geo_caisse.mona.simulate`` registers
the same seeded members and writes their year (allocations, payments, cash-ins: about 36,000
movements for 400 members) as the import contract's CSV; ``import_transactions`` then imports
it all or nothing (validation, staging beside the ledger, posting). Printed: wall and this
process's CPU seconds (PostgreSQL's own work shows in the wall time only), rows per second,
then the ledger is verified (every database invariant) and the import repeated, which must
be refused whole as already imported.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _stores import TERRITORY, drop_store, fresh_store  # noqa: E402

from geo_caisse.mona.simulate import simulate_year  # noqa: E402
from geo_caisse.mona.statements import verify_ledger  # noqa: E402
from geo_caisse.mona.transactions import import_transactions  # noqa: E402
from geo_caisse.storage import writer_sessions  # noqa: E402

GOAL_RATIO = 2.0


def one_backend(backend: str, folder: Path, members: int, seed: int) -> float:
    """Import the year on a fresh store of ``backend``; its wall seconds."""
    url, engine = fresh_store(backend, folder, prefix=f"imp{backend[:2]}")
    try:
        sessions = writer_sessions(engine)
        sim = simulate_year(sessions, TERRITORY, year=2026, members=members, seed=seed)
        cpu0, t0 = time.process_time(), time.perf_counter()
        summary = import_transactions(sessions, sim.csv_bytes, source="bench-year.csv")
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(f"{backend}: {summary.rows:,} movements ({len(sim.csv_bytes) / 1e6:.1f} MB) in "
              f"{wall:.2f} s, {summary.rows / wall:,.0f} rows/s; CPU of this process "
              f"{cpu:.2f} s", flush=True)
        problems = verify_ledger(sessions)
        again = import_transactions(sessions, sim.csv_bytes, source="bench-year.csv")
        replayed = again.events == 0 and again.already_imported_events == summary.events
        print(f"  ledger: {'verified' if not problems else '; '.join(problems)}; the same file "
              f"again: {'refused as already imported' if replayed else 'IMPORTED TWICE'}")
        if problems or not replayed:
            sys.exit(f"{backend}: the ledger is wrong after the import")
        return wall
    finally:
        engine.dispose()
        drop_store(backend, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--backends", default="spatialite,postgis")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    walls = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            walls[backend] = one_backend(backend, Path(folder), args.members, args.seed)
    if {"spatialite", "postgis"} <= walls.keys():
        ratio = walls["postgis"] / walls["spatialite"]
        verdict = "goal holds" if ratio <= GOAL_RATIO else "goal missed"
        print(f"PostGIS / SpatiaLite: {ratio:.2f}× (goal: ≤ {GOAL_RATIO:g}×)  →  {verdict}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
