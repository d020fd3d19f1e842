"""HTTP: "walking time from this place to the nearest conventionnés" under an open-loop load.

    .venv/bin/python benchmarks/bench_http.py [--rate 1000] [--seconds 10] [--startup-only 5]

Builds a SpatiaLite store with the bundled data in a temporary folder (``geo-caisse init``),
starts ``geo-caisse serve`` as a separate process, and measures:

- start-up: from launching ``serve`` to the first 200 on ``/healthz`` (caches already built
  by ``init``), which includes importing Python packages (``--startup-only N``: N launches,
  their median, and no load);
- latency of ``GET /api/walk/nearest`` at a fixed arrival rate (open loop: each request's
  latency counts from its scheduled time, so a stall is not hidden by the client slowing
  down), random places in the city, over persistent HTTP/1.1 connections.

The load generator is a single asyncio process on the same machine (2 cores here): the
numbers include its own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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


def launch(port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``serve``; the process and the seconds until its first 200 on /healthz."""
    t0 = time.perf_counter()
    server = subprocess.Popen([str(VENV_BIN / "geo-caisse"), "serve", "--port", str(port)],
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
    args = parser.parse_args()
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_DATA_HOME": f"{tmp}/data", "XDG_CACHE_HOME": f"{tmp}/cache"}
        subprocess.run([str(VENV_BIN / "geo-caisse"), "init"], env=env, check=True,
                       capture_output=True)
        port = free_port()
        for _ in range(max(0, args.startup_only - 1)):
            server, ready = launch(port, env)
            times.append(ready)
            server.terminate()
            server.wait(timeout=10)
        server, ready = launch(port, env)
        times.append(ready)
        try:
            print(f"serve: first 200 on /healthz {np.median(times):.2f} s after launch"
                  + (f" (median of {len(times)}: {', '.join(f'{t:.2f}' for t in times)})"
                     if len(times) > 1 else "") + " (goal: < 1 s)", flush=True)
            if args.startup_only:
                return
            # warm-up: builds the k-nearest table once
            asyncio.run(load(port, 200, 1.0, 8))
            lat, errors, took = asyncio.run(load(port, args.rate, args.seconds,
                                                 args.connections))
        finally:
            server.terminate()
            server.wait(timeout=10)
    ms = np.array(lat) * 1e3
    print(f"GET /api/walk/nearest at {args.rate:.0f} req/s for {args.seconds:.0f} s: "
          f"{len(ms)} answers in {took:.1f} s ({len(ms) / took:.0f}/s), {len(errors)} errors")
    print(f"latency p50 {np.percentile(ms, 50):.2f} ms, p90 {np.percentile(ms, 90):.2f} ms, "
          f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.1f} ms (goal: p99 < 5 ms)")


if __name__ == "__main__":
    main()
