"""Payments at the till: concurrent tills against a served instance, on SpatiaLite and PostGIS.

    .venv/bin/python benchmarks/bench_payments.py [--tills 4] [--seconds 20]
                                                  [--backends spatialite,postgis]

For each backend it builds a store with the bundled data (``init_store``), ``--members``
members credited for one month, one member login per ten members paying and one producer
login per till, each at its own conventionné; it starts ``geo-caisse serve`` as a separate
process (uvicorn, one worker, the store's caches already built), logs everyone in, and then
each till, in its own thread, does what a market stall does as fast as it can: a member asks
for a payment code (``POST /api/me/payment-code``, as the member), then the till takes the
payment with it (``POST /api/payments`` with an ``Idempotency-Key``). Connections are
persistent (HTTP/1.1 keep-alive), as a till's browser keeps them.

It prints, per backend, the latency of ``POST /api/payments`` (p50, p90, p99, max) and of
the code, the payments per second over the run, the CPU seconds the server and this client
used, and the goal beside them (p99 ≤ 100 ms, ≥ 100 payments/s with 4 tills); then it checks
that every acknowledged payment is in the ledger once, that a retried key replays its
receipt, and that ``verify_ledger`` finds nothing. The client runs on the same machine
(2 cores here): its cost is printed with the figures. Exits 1 when a goal is missed or the
ledger is wrong.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
from _stores import credited_store, drop_store  # benchmarks/
from sqlalchemy import func, select

from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import DatabaseSettings
from geo_caisse.mona.statements import verify_ledger
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import TransferRow

BIN = Path(sys.executable).parent
PASSWORD = "bench till passphrase"
GOAL_P99_MS = 100.0
GOAL_RATE = 100.0
TICKS = os.sysconf("SC_CLK_TCK")


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Client:
    """One persistent HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        self.conn.request("POST", path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def close(self) -> None:
        self.conn.close()


def _token(client: Client, username: str) -> str:
    status, answer = client.post(
        "/api/token", urlencode({"username": username, "password": PASSWORD}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, answer
    return str(answer["access_token"])


def new_store(backend: str, folder: Path, members: int, tills: int, payers: int
              ) -> tuple[str, list[int]]:
    """A store with the bundled data, ``members`` credited for 2026-01, ``payers`` member
    logins (``payer-<i>``) and ``tills`` producer logins (``till-<i>``), each at its own
    conventionné; its URL and the tills' points of sale."""
    url, engine, ids, shops = credited_store(backend, folder, members, prefix="bench",
                                             shops=tills)
    writer = writer_sessions(engine)
    for i, shop in enumerate(shops):
        create_user(writer, username=f"till-{i}", password=PASSWORD, role="producer",
                    point_of_sale_id=shop)
    for i in range(payers):
        create_user(writer, username=f"payer-{i}", password=PASSWORD, role="member",
                    member_id=ids[i])
    engine.dispose()
    return url, shops


def serve(url: str, folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GEO_CAISSE_DATABASE_URL": url,
           "GEO_CAISSE_THROTTLE_LOGIN_PER_MINUTE": "10000",
           "GEO_CAISSE_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex}
    command = [str(BIN / "geo-caisse"), "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    started = time.monotonic()
    while time.monotonic() - started < 300:
        if process.poll() is not None:
            raise SystemExit("the server stopped at start-up")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                c.close()
                return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def run_tills(port: int, tills: int, payers: int, seconds: float
              ) -> tuple[list[float], list[float], dict[str, dict[str, Any]], list[str], float]:
    """Each till pays in a loop for ``seconds``: payment latencies and code latencies (s),
    the acknowledged receipts by key (with their bodies), the failures, the wall time."""
    login = Client(port)
    till_tokens = [_token(login, f"till-{i}") for i in range(tills)]
    payer_tokens = [_token(login, f"payer-{i}") for i in range(payers)]
    login.close()
    pay_lat: list[float] = []
    code_lat: list[float] = []
    receipts: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(tills + 1)
    deadline = [0.0]

    def till(index: int) -> None:
        client = Client(port)
        mine = payer_tokens[index::tills]
        till_headers = {"Authorization": f"Bearer {till_tokens[index]}",
                        "Content-Type": "application/json"}
        n = 0
        start_line.wait()
        while time.perf_counter() < deadline[0]:
            member = mine[n % len(mine)]
            n += 1
            t0 = time.perf_counter()
            status, answer = client.post("/api/me/payment-code", b"",
                                         {"Authorization": f"Bearer {member}"})
            t1 = time.perf_counter()
            if status != 200:
                failures.append(f"code {status} {answer}")
                break
            key = uuid.uuid4().hex
            body = {"code": answer["code"], "amount_mona": "0.10"}
            status, receipt = client.post("/api/payments", json.dumps(body).encode(),
                                          {**till_headers, "Idempotency-Key": key})
            t2 = time.perf_counter()
            if status != 201:
                failures.append(f"payment {status} {receipt}")
                break
            with lock:
                code_lat.append(t1 - t0)
                pay_lat.append(t2 - t1)
                receipts[key] = {"body": body, "receipt": receipt, "till": index}
        client.close()

    threads = [threading.Thread(target=till, args=(i,)) for i in range(tills)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for t in threads:
        t.join()
    return pay_lat, code_lat, receipts, failures, time.perf_counter() - began


def check(url: str, port: int, receipts: dict[str, dict[str, Any]], tills: int,
          before: int) -> list[str]:
    """Every acknowledged payment once in the ledger, retries replayed, ledger verified."""
    problems: list[str] = []
    client = Client(port)
    tokens = [_token(client, f"till-{i}") for i in range(tills)]
    for key in list(receipts)[:20]:
        r = receipts[key]
        status, answer = client.post(
            "/api/payments", json.dumps(r["body"]).encode(),
            {"Authorization": f"Bearer {tokens[r['till']]}",
             "Content-Type": "application/json", "Idempotency-Key": key})
        if status != 201 or not answer["replayed"] or \
                answer["payment_id"] != r["receipt"]["payment_id"]:
            problems.append(f"a retried key answered {status} {answer}")
    client.close()
    engine = make_engine(DatabaseSettings(database_url=url))
    try:
        with session_factory(engine)() as s:
            ids = set(s.scalars(select(TransferRow.id).where(TransferRow.kind == "payment")))
            after = s.scalar(select(func.count()).select_from(TransferRow)) or 0
        paid = {r["receipt"]["payment_id"] for r in receipts.values()}
        if not paid <= ids:
            problems.append(f"{len(paid - ids)} acknowledged payments are not in the ledger")
        if after - before != len(receipts):
            problems.append(f"{after - before} transfers written for {len(receipts)} payments")
        problems += verify_ledger(session_factory(engine))
    finally:
        engine.dispose()
    return problems


def bench(backend: str, args: argparse.Namespace) -> bool:
    payers = max(args.tills, args.payers)
    with tempfile.TemporaryDirectory(prefix=f"gc-bench-pay-{backend}-") as tmp:
        folder = Path(tmp)
        url, _shops = new_store(backend, folder, args.members, args.tills, payers)
        try:
            engine = make_engine(DatabaseSettings(database_url=url))
            with session_factory(engine)() as s:
                before = s.scalar(select(func.count()).select_from(TransferRow)) or 0
            engine.dispose()
            port = _port()
            server = serve(url, folder, port, args.workers)
            try:
                run_tills(port, args.tills, payers, args.warmup)  # warm-up: pools, caches
                engine = make_engine(DatabaseSettings(database_url=url))
                with session_factory(engine)() as s:
                    before = s.scalar(select(func.count()).select_from(TransferRow)) or 0
                engine.dispose()
                cpu0, client0 = _cpu_s(server.pid), time.process_time()
                pay, code, receipts, failures, took = run_tills(port, args.tills, payers,
                                                                args.seconds)
                server_cpu, client_cpu = _cpu_s(server.pid) - cpu0, time.process_time() - client0
                problems = check(url, port, receipts, args.tills, before)
            finally:
                server.terminate()
                server.wait(timeout=30)
        finally:
            drop_store(backend, url)
    if failures:
        print(f"{backend}: unexpected answers: {failures[:3]}")
        return False
    ms, code_ms = np.array(pay) * 1e3, np.array(code) * 1e3
    rate = len(ms) / took
    p99 = float(np.percentile(ms, 99))
    ok = p99 <= GOAL_P99_MS and rate >= GOAL_RATE and not problems
    print(f"{backend}: {args.tills} tills, {len(ms)} payments in {took:.1f} s: "
          f"{rate:.0f} payments/s (goal: ≥ {GOAL_RATE:.0f})")
    print(f"  POST /api/payments p50 {np.percentile(ms, 50):.1f} ms, "
          f"p90 {np.percentile(ms, 90):.1f} ms, p99 {p99:.1f} ms, max {ms.max():.1f} ms "
          f"(goal: p99 ≤ {GOAL_P99_MS:.0f} ms)")
    print(f"  POST /api/me/payment-code p50 {np.percentile(code_ms, 50):.1f} ms, "
          f"p99 {np.percentile(code_ms, 99):.1f} ms")
    print(f"  CPU: server {server_cpu:.1f} s ({server_cpu / took:.0%} of one core), "
          f"this client {client_cpu:.1f} s ({client_cpu / took:.0%})"
          + (", PostgreSQL's own not counted" if backend == "postgis" else ""))
    ledger = problems or "every payment once, retries replayed, verified"
    print(f"  ledger: {ledger}  →  {'goal holds' if ok else 'GOAL MISSED'}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tills", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--payers", type=int, default=40, help="member logins that pay")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--backends", default="spatialite,postgis")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    results = [bench(backend, args) for backend in args.backends.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
