"""HTTP: "walking time from this place to the nearest conventionnés" under an open-loop load.

    .venv/bin/python benchmarks/bench_http.py [--rate 1000] [--seconds 10] [--startup-only 5]
        [--workers 2] [--wrk] [--server-cpus 0] [--client-cpus 1] [--store DIR]

Builds a SpatiaLite store with the bundled data in a temporary folder (``geo-caisse init``),
starts ``geo-caisse serve`` as a separate process, and measures:

- start-up: from launching ``serve`` to the first 200 on ``/healthz`` (caches already built
  by ``init``), which includes importing Python packages (``--startup-only N``: N launches,
  their median, and no load);
- latency of ``GET /api/walk/nearest`` at a fixed arrival rate (open loop: each request's
  latency counts from its scheduled time, so a stall is not hidden by the client slowing
  down), random places in the city, over persistent HTTP/1.1 connections.

The load generator runs on the same machine (2 cores here), so it takes CPU from the
server: its own CPU time is printed beside the figures. By default it is a single asyncio
process. ``--wrk`` uses Debian's ``wrk`` (``apt-get install wrk``) with
benchmarks/walk_nearest.lua, which paces it to ``--rate`` (wrk times each request from its
sending: the requests sent after their slot are counted apart, "late"), then runs it
unpaced for the largest rate the server sustains. ``--server-cpus``/``--client-cpus`` pin
each side to cores with ``taskset``; ``--workers`` starts ``serve --workers N``. The load
average is printed with each figure: on a shared machine, compare runs made together.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def worker(port: int, queue: asyncio.Queue[float | None], latencies: list[float],
                 errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rnd = random.Random(port)
    while True:
        scheduled = await queue.get()
        if scheduled is None:
            break
        lon = 3.84 + rnd.random() * 0.07
        lat = 43.59 + rnd.random() * 0.05
        writer.write(f"GET /api/walk/nearest?lon={lon:.5f}&lat={lat:.5f}&n=5 HTTP/1.1\r\n"
                     "Host: bench\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            errors.append(head.split(b"\r\n")[0].decode())
        latencies.append(time.perf_counter() - scheduled)
    writer.close()


async def load(port: int, rate: float, seconds: float, connections: int
               ) -> tuple[list[float], list[str], float]:
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    errors: list[str] = []
    tasks = [asyncio.create_task(worker(port, queue, latencies, errors))
             for _ in range(connections)]
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(due)
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    return latencies, errors, time.perf_counter() - start


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its children alive now (workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def pinned(cpus: str | None, command: list[str]) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus else command


def run_wrk(port: int, rate: float, seconds: float, connections: int, cpus: str | None,
            server: int) -> tuple[dict[str, float], float]:
    """One wrk run (``rate`` 0: unpaced); its figures and its CPU seconds (user + system)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("--wrk needs wrk: apt-get install wrk")
    script = Path(__file__).with_name("walk_nearest.lua")
    command = pinned(cpus, [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency",
                            "-s", str(script), f"http://127.0.0.1:{port}",
                            "--", f"{rate:g}", "17"])
    server_before = cpu_seconds(server)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout.decode()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0 or "== bench ==" not in out:
        sys.exit(f"wrk failed:\n{out}")
    figures = {k: float(v) for k, v in re.findall(r"^([\w.]+) ([\d.]+)$",
                                                   out.split("== bench ==")[1], re.M)}
    figures["server_cpu_s"] = cpu_seconds(server) - server_before
    return figures, cpu


def wrk_report(label: str, f: dict[str, float], cpu: float, goal: str) -> None:
    took = f["duration_us"] / 1e6
    print(f"{label}: {f['requests']:.0f} answers in {took:.1f} s "
          f"({f['requests'] / took:.0f}/s), {f['non2xx']:.0f} not 2xx, "
          f"{f['socket_errors']:.0f} socket errors; wrk used {cpu:.1f} CPU s "
          f"({cpu / took:.0%} of a core); the server used {f['server_cpu_s']:.1f} CPU s, "
          f"{f['server_cpu_s'] / max(f['requests'], 1) * 1e6:.0f} µs a request; "
          f"{load_average()}")
    print(f"  latency p50 {f['p50_us'] / 1e3:.2f} ms, p90 {f['p90_us'] / 1e3:.2f} ms, "
          f"p99 {f['p99_us'] / 1e3:.2f} ms, p99.9 {f['p99.9_us'] / 1e3:.2f} ms, "
          f"max {f['max_us'] / 1e3:.1f} ms; {f['late']:.0f} sent > 1 ms after their slot "
          f"(worst {f['late_max_ms']:.1f} ms) ({goal})")


def launch(port: int, env: dict[str, str], workers: int = 1, cpus: str | None = None
           ) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``serve``; the process and the seconds until its first 200 on /healthz."""
    t0 = time.perf_counter()
    server = subprocess.Popen(
        pinned(cpus, [str(VENV_BIN / "geo-caisse"), "serve", "--port", str(port),
                      *(["--workers", str(workers)] if workers != 1 else [])]),
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as r:
                if r.status == 200:
                    return server, time.perf_counter() - t0
        except OSError:
            time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--startup-only", type=int, default=0, metavar="N",
                        help="only launch the server N times and time its start-up")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers N")
    parser.add_argument("--wrk", action="store_true", help="load with wrk (paced, then not)")
    parser.add_argument("--server-cpus", help="taskset the server to these cores (e.g. 0)")
    parser.add_argument("--client-cpus", help="taskset the load generator (e.g. 1)")
    parser.add_argument("--store", help="keep the store in this folder (made by `init` "
                        "the first time, reused after) instead of a temporary one")
    args = parser.parse_args()
    times: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.store or scratch
        env = {**os.environ, "XDG_DATA_HOME": f"{tmp}/data", "XDG_CACHE_HOME": f"{tmp}/cache"}
        if not (args.store and Path(tmp, "data").is_dir()):
            subprocess.run([str(VENV_BIN / "geo-caisse"), "init"], env=env, check=True,
                           capture_output=True)
        port = free_port()
        for _ in range(max(0, args.startup_only - 1)):
            server, ready = launch(port, env)
            times.append(ready)
            server.terminate()
            server.wait(timeout=10)
        server, ready = launch(port, env, args.workers, args.server_cpus)
        times.append(ready)
        try:
            print(f"serve: first 200 on /healthz {np.median(times):.2f} s after launch"
                  + (f" (median of {len(times)}: {', '.join(f'{t:.2f}' for t in times)})"
                     if len(times) > 1 else "") + " (goal: < 1 s)", flush=True)
            if args.startup_only:
                return
            # warm-up: builds the k-nearest table once (in each worker)
            asyncio.run(load(port, 200, 1.0 + args.workers, 8))
            print(f"server: {args.workers} worker(s), cores {args.server_cpus or 'any'}; "
                  f"client: cores {args.client_cpus or 'any'}")
            if args.wrk:
                paced, cpu = run_wrk(port, args.rate, args.seconds, args.connections,
                                     args.client_cpus, server.pid)
                wrk_report(f"wrk paced at {args.rate:.0f} req/s for {args.seconds:.0f} s",
                           paced, cpu, "goal: p99 < 5 ms at 1,000 req/s")
                most, cpu = run_wrk(port, 0, args.seconds, args.connections,
                                    args.client_cpus, server.pid)
                wrk_report(f"wrk unpaced ({args.connections} connections)", most, cpu,
                           "the largest rate sustained; goal: >= 1,000 req/s")
                return
            if args.client_cpus:
                os.sched_setaffinity(0, {int(c) for c in args.client_cpus.split(",")})
            usage0, server0 = os.times(), cpu_seconds(server.pid)
            lat, errors, took = asyncio.run(load(port, args.rate, args.seconds,
                                                 args.connections))
            usage1, server_cpu = os.times(), cpu_seconds(server.pid) - server0
        finally:
            server.terminate()
            server.wait(timeout=10)
    ms = np.array(lat) * 1e3
    client_cpu = (usage1.user - usage0.user) + (usage1.system - usage0.system)
    print(f"GET /api/walk/nearest at {args.rate:.0f} req/s for {args.seconds:.0f} s: "
          f"{len(ms)} answers in {took:.1f} s ({len(ms) / took:.0f}/s), {len(errors)} errors; "
          f"the client used {client_cpu:.1f} CPU s ({client_cpu / took:.0%} of a core), the "
          f"server {server_cpu:.1f} ({server_cpu / max(len(ms), 1) * 1e6:.0f} µs a request); "
          f"{load_average()}")
    print(f"latency p50 {np.percentile(ms, 50):.2f} ms, p90 {np.percentile(ms, 90):.2f} ms, "
          f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.1f} ms (goal: p99 < 5 ms)")


if __name__ == "__main__":
    main()
