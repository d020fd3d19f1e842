"""How the analyses grow with the caisse: time and peak memory at each size, growth exponent.

    .venv/bin/python benchmarks/bench_scale.py [--quick] [--only walk,flows,draw,targeting]
                                               [--timeout 600]

- walking analysis (:class:`~geo_caisse.walk.accessibility.Accessibility`: every population
  point's walk to the nearest conventionné and how many it reaches in 5 to 20 minutes, what
  the deserts report reads) on generated street grids of
  25 k, 100 k, 400 k and 1.6 M nodes (a city, a métropole, a département), one population
  point per node, one destination per ~425 nodes as in Montpellier;
- the flows pass (:func:`~geo_caisse.mona._pass.aggregate_payments`) over 1, 10 and 100
  million payments (20,000 members, 400 points of sale, 12 months);
- the draw (:func:`~geo_caisse.enrolment.draw.draw`, the 12 strata's proportional
  quotas) among 1,000, 10,000 and 100,000 volunteers, a tenth of them seated;
- targeting (:func:`~geo_caisse.planning.mclp.solve_exact`, k = 20) on generated instances
  of 1,000 to 20,000 cells and 500 sites.

Each measure runs in its own process (peak RSS from ``getrusage``, the inputs' generation
included, so the peak is what the machine must hold), with a time limit; wall and CPU
time of the measured part are both printed, with the load average (the machine may be
shared: a parallel step's wall time depends on the cores it gets), and the goal of issue
18 beside the flows pass at 100 million payments (≤ 4 s); a size that runs
out of time or memory is printed as where it stops fitting this machine. The growth
exponent ``b`` fits ``time ∝ size^b`` between consecutive sizes, then over the whole range
(targeting's branch and bound depends on the instance: its steps jump about).
``--quick`` stops one size earlier in each family.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES: dict[str, list[int]] = {
    "walk": [25_000, 100_000, 400_000, 1_600_000],
    "flows": [1_000_000, 10_000_000, 100_000_000],
    "draw": [1_000, 10_000, 100_000],
    "targeting": [1_000, 2_000, 5_000, 10_000, 20_000],
}
UNITS = {"walk": "nodes", "flows": "payments", "draw": "volunteers", "targeting": "cells"}


GOALS = {("flows", 100_000_000): 4.0}  # seconds, issue 18


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t0[0], time.process_time() - t0[1]


def walk(n: int) -> tuple[float, float]:
    from geo_caisse.walk.accessibility import Accessibility, Destinations
    from tests.utils.walking import grid_network, random_population

    side = round(math.sqrt(n))
    net = grid_network(side, seed=2026, drop_share=0.1)
    rng = np.random.default_rng(2026)
    nodes = np.unique(rng.choice(net.n_nodes, size=max(1, net.n_nodes // 425), replace=False))
    pop = random_population(net, net.n_nodes, seed=2026)
    dest = Destinations.at(net, net.x_m[nodes], net.y_m[nodes])
    warm = Accessibility(net, Destinations.at(net, net.x_m[nodes[:2]], net.y_m[nodes[:2]]),
                         random_population(net, 100, seed=1))
    warm.reach_counts()  # compiled outside the timing
    t0 = _clock()
    acc = Accessibility(net, dest, pop)
    acc.point_time_min, acc.reach_counts()  # what the deserts report reads
    return _since(t0)


def flows(n: int) -> tuple[float, float]:
    from geo_caisse.mona._pass import aggregate_payments

    members, vendors, months = 20_000, 400, 12
    rng = np.random.default_rng(42)
    payer = np.empty(n, np.int32)
    payee = np.empty(n, np.int32)
    cents = np.empty(n, np.int32)
    month = np.empty(n, np.int16)
    for lo in range(0, n, 5_000_000):
        hi = min(n, lo + 5_000_000)
        payer[lo:hi] = rng.integers(0, members, hi - lo, dtype=np.int32)
        payee[lo:hi] = rng.integers(0, vendors, hi - lo, dtype=np.int32)
        cents[lo:hi] = rng.integers(100, 5000, hi - lo, dtype=np.int32)
        month[lo:hi] = rng.integers(0, months, hi - lo, dtype=np.int16)
    row = rng.integers(0, 300, members).astype(np.int32)
    aggregate_payments(payer[:1000], payee[:1000], cents[:1000], month[:1000], row, 300,
                       vendors, months, 0, months)
    t0 = _clock()
    aggregate_payments(payer, payee, cents, month, row, 300, vendors, months, 0, months)
    return _since(t0)


def draw(n: int) -> tuple[float, float]:
    from geo_caisse.enrolment.draw import Volunteer, draw, proportional_quotas

    rng = np.random.default_rng(7)
    bands = ("<30", "30-60", ">60")
    channels = ("open_call", "referral", "social_worker")
    people = [Volunteer(ref=f"v{i:07d}", income_quartile=int(rng.integers(1, 5)),
                        age_band=bands[int(rng.integers(0, 3))],
                        channel=channels[int(rng.integers(0, 3))]) for i in range(n)]
    seats = n // 10
    strata: dict[str, int] = {}
    for v in people:
        strata[v.stratum] = strata.get(v.stratum, 0) + 1
    quotas = {"stratum": proportional_quotas({s: c / n for s, c in strata.items()}, seats)}
    t0 = _clock()
    draw(people, quotas, seats=seats, seed=1)
    return _since(t0)


def targeting(n: int) -> tuple[float, float]:
    from geo_caisse.planning.mclp import CoverageInstance, solve_exact

    rng = np.random.default_rng(1)
    side = 10_000 * math.sqrt(n / 2000)  # the density of the 2,000 × 500 instance
    cells = rng.uniform(0, side, (n, 2))
    sites = rng.uniform(0, side, (500, 2))
    d = np.hypot(cells[:, None, 0] - sites[None, :, 0], cells[:, None, 1] - sites[None, :, 1])
    inst = CoverageInstance.from_dense(rng.lognormal(3, 1, n).round(), d <= 800 * side / 10_000)
    t0 = _clock()
    solve_exact(inst, 20)
    return _since(t0)


MEASURES = {"walk": walk, "flows": flows, "draw": draw, "targeting": targeting}


def child(family: str, n: int) -> None:
    load = os.getloadavg()[0]
    seconds, cpu = MEASURES[family](n)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "load": load, "peak_mb": _rss_mb()}))


def measure(family: str, n: int, timeout_s: float) -> dict[str, Any]:
    try:
        out = subprocess.run([sys.executable, __file__, "--child", family, str(n)],
                             capture_output=True, text=True, timeout=timeout_s, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout_s:.0f} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["killed"])[-1]
        return {"error": "out of memory" if out.returncode in (-9, 137) or "MemoryError" in last
                else last[:120]}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="walk,flows,draw,targeting")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per measure")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"{os.cpu_count()} cores, {memory_gb:.0f} GB, load average "
          f"{os.getloadavg()[0]:.2f}; each measure in its own process, "
          f"limit {args.timeout:.0f} s")
    print(f"{'analysis':<10} {'size':>12} {'unit':<11} {'time':>9} {'CPU':>9} {'peak':>9} "
          f"{'growth':>7} {'load':>5}")
    for family in args.only.split(","):
        sizes = SIZES[family][:-1] if args.quick else SIZES[family]
        last: tuple[int, float] | None = None
        first: tuple[int, float] | None = None
        for n in sizes:
            r = measure(family, n, args.timeout)
            if "error" in r:
                print(f"{family:<10} {n:>12,} {UNITS[family]:<11} stops fitting: {r['error']}",
                      flush=True)
                break
            growth = ""
            if last is not None and last[1] > 0:
                growth = f"{math.log(r['seconds'] / last[1]) / math.log(n / last[0]):.2f}"
            goal = GOALS.get((family, n))
            aim = "" if goal is None else (f"  goal ≤ {goal:.0f} s: "
                                           f"{'met' if r['seconds'] <= goal else 'NOT met'}")
            print(f"{family:<10} {n:>12,} {UNITS[family]:<11} {r['seconds']:>8.2f}s "
                  f"{r['cpu']:>8.2f}s {r['peak_mb'] / 1024:>7.2f}GB {growth:>7} "
                  f"{r['load']:>5.1f}{aim}", flush=True)
            last = (n, r["seconds"])
            first = first or last
        if first is not None and last is not None and last[0] > first[0] and first[1] > 0:
            b = math.log(last[1] / first[1]) / math.log(last[0] / first[0])
            print(f"{family:<10} growth from {first[0]:,} to {last[0]:,} {UNITS[family]}: "
                  f"time ∝ size^{b:.2f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
