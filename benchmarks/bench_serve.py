"""How soon ``geo-caisse serve`` answers: from the process's start until ``GET /`` is 200.

    .venv/bin/python benchmarks/bench_serve.py [--runs 5] [--database-url URL]
                                               [--cache-dir DIR]

Runs ``geo-caisse serve`` on a free loopback port ``--runs`` times against the store of
``GEO_CAISSE_DATABASE_URL`` (or ``--database-url``; it must have been ``geo-caisse init``-ed)
with the caches of ``GEO_CAISSE_CACHE_DIR`` (or ``--cache-dir``). A first run fills the
caches and is not counted (``warm-up``); the figure is the median of the others, with the
server's CPU seconds until then (what a shared machine's load does not change). Each run
also reports the time until a second page (``/coordination``) and an API route
(``/healthz``) answered, so that a first request made slow by a lazy start shows.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _cpu_s(pid: int) -> float:
    """The CPU seconds (user + system) process ``pid`` has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(env: dict[str, str], timeout_s: float = 120.0) -> tuple[float, float, float]:
    """Seconds until ``GET /`` answered 200, the server's CPU seconds then, and the seconds
    until ``/coordination`` and ``/healthz`` answered too."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "geo-caisse"), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                sys.exit(f"geo-caisse serve stopped (exit {proc.returncode}):\n{err}")
            if time.perf_counter() - start > timeout_s:
                sys.exit(f"geo-caisse serve did not answer within {timeout_s:.0f} s")
            try:
                if _get(base + "/") == 200:
                    break
            except OSError:
                time.sleep(0.01)
        ready = time.perf_counter() - start
        cpu = _cpu_s(proc.pid)
        assert _get(base + "/coordination") == 200
        assert _get(base + "/healthz") == 200
        return ready, cpu, time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--cache-dir")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.database_url:
        env["GEO_CAISSE_DATABASE_URL"] = args.database_url
    if args.cache_dir:
        env["GEO_CAISSE_CACHE_DIR"] = args.cache_dir
    warm, _, _ = one_run(env)
    print(f"warm-up (fills the caches): ready in {warm:.2f} s", flush=True)
    ready, cpu, second = [], [], []
    for i in range(args.runs):
        r, c, s = one_run(env)
        ready.append(r)
        cpu.append(c)
        second.append(s)
        print(f"run {i + 1}: GET / 200 after {r:.2f} s ({c:.2f} s of CPU), /coordination "
              f"and /healthz after {s:.2f} s", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"serve ready (process start to GET / = 200), median of {args.runs}: "
          f"{statistics.median(ready):.2f} s (goal: < 1 s), "
          f"{statistics.median(cpu):.2f} s of CPU; with a second page and the "
          f"API: {statistics.median(second):.2f} s")


if __name__ == "__main__":
    main()
