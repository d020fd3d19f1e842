"""Aggregating Mona payments into heatmap cells and origin-destination flows, three ways.

Workload (the flows module's heavy part), on N synthetic payments by 20,000 members at
500 points of sale over 12 months:

1. Mona by (home cell, month)          — the home heatmap
2. Mona by (home cell, point of sale)  — the flows and payment basins
3. distinct spenders by (home cell, month)
4. distinct members by (home cell, point of sale)

Home cells come from the adaptive grid, computed once per member home (never per payment).

- ours:   ``geo_caisse.mona._pass.aggregate_payments`` (one compiled pass) + per-member sums
- pandas: groupby sum / nunique on a DataFrame with the cell mapped per payment
- DuckDB: the same GROUP BY in SQL over the same arrays (a join to the members' cells)

Each tool runs in its own process on the same generated data (same seed); extra memory is
the process's peak RSS during the run minus its RSS before it (the peak is reset after
generating the data, ``/proc/self/clear_refs``). Wall and CPU time are both printed, with
the load average: the machine may be shared, and a parallel pass's wall time depends on
the cores it gets. Results are compared for equality. The goal (issue 18) is printed
beside our figure at 100 million payments. Run:
``python benchmarks/bench_flows.py [10 100]`` (millions).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

N_MEMBERS, N_VENDORS, N_MONTHS = 20_000, 500, 12
GOAL_N, GOAL_S, GOAL_MB = 100_000_000, 4.0, 512  # issue 18: 100 M payments, ≤ 4 s, ≤ 0.5 GB


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak() -> float:
    """Reset the peak RSS (Linux) and return the RSS now, in MB."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _status_mb("VmRSS") or 0.0


def peak_mb() -> float:
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n: int, seed: int = 42) -> tuple[np.ndarray, ...]:
    """Payments in chunks (small temporaries): payer, payee, cents, month; member homes."""
    rng = np.random.default_rng(seed)
    payer = np.empty(n, np.int32)
    payee = np.empty(n, np.int32)
    cents = np.empty(n, np.int32)
    month = np.empty(n, np.int16)
    favourite = rng.integers(0, N_VENDORS, size=(N_MEMBERS, 4)).astype(np.int32)
    step = 5_000_000
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        m = rng.integers(0, N_MEMBERS, size=hi - lo, dtype=np.int32)
        payer[lo:hi] = m
        pick = rng.integers(0, 5, size=hi - lo, dtype=np.int8)
        any_v = rng.integers(0, N_VENDORS, size=hi - lo, dtype=np.int32)
        payee[lo:hi] = np.where(pick < 4, favourite[m, np.minimum(pick, 3)], any_v)
        cents[lo:hi] = rng.integers(100, 5000, size=hi - lo, dtype=np.int32)
        month[lo:hi] = rng.integers(0, N_MONTHS, size=hi - lo, dtype=np.int16)
    centres = rng.uniform((765_000, 6_275_000), (775_000, 6_285_000), size=(12, 2))
    which = rng.integers(0, 12, size=N_MEMBERS)
    hx = centres[which, 0] + rng.normal(0, 1500, N_MEMBERS)
    hy = centres[which, 1] + rng.normal(0, 1500, N_MEMBERS)
    return payer, payee, cents, month, hx, hy


def home_rows(hx: np.ndarray, hy: np.ndarray) -> tuple[np.ndarray, int]:
    from geo_caisse.core.privacy import AdaptiveGrid

    grid = AdaptiveGrid.build(hx, hy, crs="EPSG:2154")
    row = np.where(grid.member_leaf >= 0, grid.member_leaf, grid.n_leaves).astype(np.int32)
    return row, grid.n_leaves + 1


def run_ours(data: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    from geo_caisse.mona._pass import aggregate_payments

    payer, payee, cents, month, hx, hy = data
    row, n_rows = home_rows(hx, hy)
    rm, rv, _vm, _mm, _mv, srm, mrv = aggregate_payments(
        payer, payee, cents, month, row, n_rows, N_VENDORS, N_MONTHS, 0, N_MONTHS)
    return {"rm": rm, "rv": rv, "srm": srm, "mrv": mrv}


def run_pandas(data: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    import pandas as pd

    payer, payee, cents, month, hx, hy = data
    row, n_rows = home_rows(hx, hy)
    df = pd.DataFrame({"cell": row[payer], "payer": payer, "payee": payee, "cents": cents,
                       "month": month})
    out = {}
    for key, by, col, how, shape in (("rm", ["cell", "month"], "cents", "sum", N_MONTHS),
                                     ("rv", ["cell", "payee"], "cents", "sum", N_VENDORS),
                                     ("srm", ["cell", "month"], "payer", "nunique", N_MONTHS),
                                     ("mrv", ["cell", "payee"], "payer", "nunique", N_VENDORS)):
        s = df.groupby(by, sort=False)[col].agg(how)
        a = np.zeros((n_rows, shape), np.int64)
        idx = s.index.to_frame().to_numpy()
        a[idx[:, 0], idx[:, 1]] = s.to_numpy()
        out[key] = a
    return out


def run_duckdb(data: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    import duckdb
    import pandas as pd

    payer, payee, cents, month, hx, hy = data
    row, n_rows = home_rows(hx, hy)
    con = duckdb.connect()
    pay = pd.DataFrame({"payer": payer, "payee": payee, "cents": cents, "month": month})
    mem = pd.DataFrame({"payer": np.arange(N_MEMBERS, dtype=np.int32), "cell": row})
    con.register("pay", pay)
    con.register("mem", mem)
    out = {}
    for key, col, agg, shape in (("rm", "month", "sum(cents)", N_MONTHS),
                                 ("rv", "payee", "sum(cents)", N_VENDORS),
                                 ("srm", "month", "count(DISTINCT payer)", N_MONTHS),
                                 ("mrv", "payee", "count(DISTINCT payer)", N_VENDORS)):
        res = con.execute(f"SELECT cell, {col}, {agg} FROM pay JOIN mem USING (payer) "
                          f"GROUP BY cell, {col}").fetchnumpy()
        a = np.zeros((n_rows, shape), np.int64)
        a[res["cell"].astype(np.int64), res[col].astype(np.int64)] = res[
            list(res)[2]].astype(np.int64)
        out[key] = a
    return out


TOOLS = {"ours": run_ours, "pandas": run_pandas, "duckdb": run_duckdb}


def child(tool: str, n: int) -> None:
    data = generate(n)
    if tool == "ours":  # compile (or load the cached machine code) outside the timing
        from geo_caisse.mona._pass import aggregate_payments
        small = tuple(a[:1000] for a in data[:4])
        aggregate_payments(*small, np.zeros(N_MEMBERS, np.int32), 1, N_VENDORS, N_MONTHS, 0,
                           N_MONTHS)
    base = reset_peak()
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    out = TOOLS[tool](data)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    digest = {k: int(np.asarray(v, dtype=np.int64).sum()) * 1 + int(
        (np.asarray(v) * np.arange(1, v.size + 1).reshape(v.shape)).sum() % 1_000_003)
        for k, v in out.items()}
    print(json.dumps({"tool": tool, "n": n, "seconds": seconds, "cpu": cpu, "load": load,
                      "extra_mb": max(0.0, peak_mb() - base), "digest": digest}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("millions", nargs="*", type=float, default=[10, 100],
                        help="payments to aggregate, in millions (default: 10 100)")
    args = parser.parse_args()
    if any(not 0 < m <= 1000 for m in args.millions):
        parser.error("each size is a number of millions of payments from 0 to 1000")
    sizes = [int(m * 1_000_000) for m in args.millions]
    for n in sizes:
        results = {}
        for tool in TOOLS:
            proc = subprocess.run([sys.executable, __file__, "--child", tool, str(n)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(f"{tool} failed: {proc.stderr[-500:]}")
                continue
            results[tool] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"\n{n:,} payments, {N_MEMBERS:,} members, {N_VENDORS} points of sale, "
              f"{N_MONTHS} months ({os.cpu_count()} cores)")
        for tool, r in results.items():
            goal = ""
            if tool == "ours" and n == GOAL_N:
                ok = r["seconds"] <= GOAL_S and r["extra_mb"] <= GOAL_MB
                goal = (f"   goal ≤ {GOAL_S:.0f} s, ≤ {GOAL_MB} MB: "
                        f"{'met' if ok else 'NOT met'}")
            print(f"  {tool:7s} {r['seconds']:7.2f} s wall {r['cpu']:7.2f} s CPU   "
                  f"extra memory {r['extra_mb']:7.0f} MB   load {r['load']:.1f}{goal}")
        ours = results.get("ours")
        if ours:
            for peer in ("pandas", "duckdb"):
                if peer in results:
                    same = results[peer]["digest"] == ours["digest"]
                    print(f"  {peer} / ours: {results[peer]['seconds'] / ours['seconds']:.1f}x"
                          f"  (same results: {same})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
