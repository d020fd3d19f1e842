"""Crash trials: SIGKILL a server during payments, and ``ledger allocate`` and ``ledger import``
mid-way, on SpatiaLite and PostGIS; then two servers on one PostGIS database paying at once.

    .venv/bin/python benchmarks/crash_trials.py [--payments 12] [--allocations 5] [--imports 5]
                                                [--backends spatialite,postgis]

After each kill (and a restart or a rerun) it checks that every acknowledged payment is in
the ledger exactly once, that retrying an Idempotency-Key never pays twice, that each
member is credited once per month, that an import is all or nothing, and that
``verify_ledger`` (``geo-caisse ledger verify``) finds nothing; it prints the counts (runs,
acknowledged, lost, duplicated) and exits 1 on any loss or duplicate. Everything runs on
127.0.0.1, in temporary folders and databases it removes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _stores import TERRITORY, credited_store, drop_store  # benchmarks/
from sqlalchemy import func, select, text

from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import DatabaseSettings
from geo_caisse.mona.payments import issue_payment_code
from geo_caisse.mona.statements import verify_ledger
from geo_caisse.storage import make_engine, session_factory, writer_sessions
from geo_caisse.storage.models import EventRow, MemberRow, TransferRow

BIN = Path(sys.executable).parent
PASSWORD = "crash trial passphrase"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "GEO_CAISSE_DATABASE_URL": url,
            "GEO_CAISSE_THROTTLE_LOGIN_PER_MINUTE": "10000"}


class Server:
    """``geo-caisse serve`` on a free loopback port."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.port = _port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(BIN / "geo-caisse"), "serve", "--port", str(self.port)], env=_env(self.url),
            cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.monotonic() - started < 300:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):
                    return time.monotonic() - started
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _post(base: str, path: str, body: dict[str, Any] | bytes, headers: dict[str, str],
          timeout: float = 30) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _token(base: str, username: str) -> str:
    body = urlencode({"username": username, "password": PASSWORD}).encode()
    status, answer = _post(base, "/api/token", body,
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, answer
    return str(answer["access_token"])


# --- stores ------------------------------------------------------------------------------

def _new_store(backend: str, folder: Path, members: int) -> tuple[str, list[int], int]:
    """A store with the bundled data, ``members`` members credited for 2026-01, and a
    producer login for one conventionné; returns its URL, the members, the shop."""
    url, engine, ids, (shop,) = credited_store(backend, folder, members, prefix="crash",
                                               shops=1)
    create_user(writer_sessions(engine), username="till", password=PASSWORD, role="producer",
                point_of_sale_id=shop)
    engine.dispose()
    return url, ids, shop


def _problems(url: str) -> list[str]:
    engine = make_engine(DatabaseSettings(database_url=url))
    try:
        return verify_ledger(session_factory(engine))
    finally:
        engine.dispose()


# --- payments under SIGKILL -----------------------------------------------------------------

def payment_trials(backend: str, url: str, folder: Path, members: list[int], kills: int,
                   rng: random.Random) -> dict[str, Any]:
    engine = make_engine(DatabaseSettings(database_url=url))
    writer = writer_sessions(engine)
    server = Server(url, folder)
    acknowledged: dict[str, int] = {}
    bodies: dict[str, dict[str, Any]] = {}
    in_flight: dict[str, dict[str, Any]] = {}
    replayed_twice = startup = 0.0
    sent = 0
    for _ in range(kills):
        startup = max(startup, server.start())
        token = _token(server.base, "till")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        # first, every request in flight at the last kill, retried with its key
        for key, body in list(in_flight.items()):
            status, answer = _post(server.base, "/api/payments", body,
                                   {**headers, "Idempotency-Key": key})
            if status == 201:
                acknowledged[key] = answer["payment_id"]
                replayed_twice += bool(answer["replayed"])
                del in_flight[key]
            elif status == 409:  # refused: the code was never used (nothing was paid)
                del in_flight[key]
        stop = threading.Event()
        failures: list[str] = []

        def load(worker: int, stop: threading.Event = stop, headers: dict[str, str] = headers,
                 failures: list[str] = failures) -> None:
            nonlocal sent
            local = random.Random(rng.random())
            while not stop.is_set():
                member = local.choice(members)
                code = issue_payment_code(writer, TERRITORY, member).code
                key = uuid.uuid4().hex
                body = {"code": code, "amount_mona": "0.10"}
                in_flight[key] = bodies[key] = body
                sent += 1
                try:
                    status, answer = _post(server.base, "/api/payments", body,
                                           {**headers, "Idempotency-Key": key}, timeout=10)
                except OSError:  # the kill: the answer never came
                    return
                if status == 201:
                    acknowledged[key] = answer["payment_id"]
                    del in_flight[key]
                elif status == 409:
                    del in_flight[key]
                else:
                    failures.append(f"{status} {answer}")
                    return

        threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 2.0))
        server.kill()
        stop.set()
        for t in threads:
            t.join()
        if failures:
            raise SystemExit(f"{backend}: unexpected answers {failures[:3]}")
    server.start()
    token = _token(server.base, "till")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for key, body in list(in_flight.items()):
        status, answer = _post(server.base, "/api/payments", body,
                               {**headers, "Idempotency-Key": key})
        if status == 201:
            acknowledged[key] = answer["payment_id"]
    # retrying an acknowledged request replays its receipt and pays nothing more
    retried = rng.sample(sorted(acknowledged), min(30, len(acknowledged)))
    with session_factory(engine)() as s:
        before = s.scalar(select(func.count()).select_from(TransferRow)) or 0
    for key in retried:
        status, answer = _post(server.base, "/api/payments", bodies[key],
                               {**headers, "Idempotency-Key": key})
        if status != 201 or not answer["replayed"] or answer["payment_id"] != acknowledged[key]:
            raise SystemExit(f"{backend}: a retried key answered {status} {answer}")
    server.stop()
    with session_factory(engine)() as s:
        after = s.scalar(select(func.count()).select_from(TransferRow)) or 0
        keys = dict(s.execute(select(EventRow.idempotency_key, EventRow.id).where(
            EventRow.idempotency_key.like("payment:%"))).all())
        per_event = dict(s.execute(select(TransferRow.event_id, func.count()).where(
            TransferRow.kind == "payment").group_by(TransferRow.event_id)).all())
        transfer_ids = set(s.scalars(select(TransferRow.id).where(TransferRow.kind == "payment")))
    engine.dispose()
    lost = [k for k in acknowledged if f"payment:{k}" not in keys
            or acknowledged[k] not in transfer_ids]
    duplicated = sum(1 for n in per_event.values() if n != 1) + (after - before)
    return {"trial": "payments", "backend": backend, "runs": kills, "sent": sent,
            "acknowledged": len(acknowledged), "lost": len(lost), "duplicated": duplicated,
            "in_flight_replayed": int(replayed_twice), "retried_replayed": len(retried),
            "max_startup_s": round(startup, 1),
            "verify": _problems(url)}


# --- ledger allocate and ledger import under SIGKILL ------------------------------------------

def _timed(command: list[str], url: str, folder: Path) -> float:
    """Run a command to its end; how long it took (seconds)."""
    started = time.monotonic()
    subprocess.run(command, env=_env(url), cwd=folder, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def _killed(command: list[str], url: str, folder: Path, rng: random.Random,
            duration_s: float) -> bool:
    """Run a command, SIGKILL it at a random point of a run of ``duration_s`` (from 30 % to
    95 %: past the interpreter's start, into the work); True when it was still running."""
    process = subprocess.Popen(command, env=_env(url), cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.3, 0.95) * duration_s)
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return running


def allocation_trials(backend: str, url: str, folder: Path, kills: int,
                      rng: random.Random) -> dict[str, Any]:
    engine = make_engine(DatabaseSettings(database_url=url))
    killed_running = credited_twice = missing = 0
    # how long one allocation takes, uninterrupted (a month of its own)
    duration = _timed([str(BIN / "geo-caisse"), "ledger", "allocate", "2026-12"], url, folder)
    for i in range(kills):
        month = f"{2027 + i // 12}-{i % 12 + 1:02d}"
        command = [str(BIN / "geo-caisse"), "ledger", "allocate", month]
        killed_running += _killed(command, url, folder, rng, duration)
        _timed(command, url, folder)
        with session_factory(engine)() as s:
            members = s.scalar(select(func.count()).select_from(MemberRow)) or 0
            per_member = s.execute(select(TransferRow.credit_account_id, func.count())
                                   .join(EventRow, EventRow.id == TransferRow.event_id)
                                   .where(EventRow.idempotency_key.like(f"allocation:{month}:%"))
                                   .group_by(TransferRow.credit_account_id)).all()
        credited_twice += sum(1 for _, n in per_member if n != 1)
        missing += members - len(per_member)
    engine.dispose()
    return {"trial": "ledger allocate", "backend": backend, "runs": kills,
            "run_s": round(duration, 1), "killed_while_running": killed_running, "lost": missing,
            "duplicated": credited_twice, "verify": _problems(url)}


def import_trials(backend: str, url: str, folder: Path, kills: int, rows: int,
                  rng: random.Random) -> dict[str, Any]:
    engine = make_engine(DatabaseSettings(database_url=url))
    partial = killed_running = duplicated = 0
    duration = 0.0
    for i in range(kills + 1):  # the first one, uninterrupted, says how long one takes
        path = folder / f"funding-{i}.csv"
        lines = ["date,payer,payee,amount,currency,event,reference,funder"]
        lines += [f"2026-02-{j % 28 + 1:02d},eur:inflow,eur:treasury,{1 + j % 97}.50,EUR,"
                  f"trial{i}-{j},grant {i}/{j},public" for j in range(rows)]
        path.write_text("\n".join(lines) + "\n")
        with session_factory(engine)() as s:
            before = s.scalar(select(func.count()).select_from(TransferRow)) or 0
        command = [str(BIN / "geo-caisse"), "ledger", "import", str(path)]
        if i > 0:
            killed_running += _killed(command, url, folder, rng, duration)
            with session_factory(engine)() as s:
                middle = s.scalar(select(func.count()).select_from(TransferRow)) or 0
            partial += middle not in (before, before + rows)
        took = _timed(command, url, folder)
        duration = duration or took
        with session_factory(engine)() as s:
            after = s.scalar(select(func.count()).select_from(TransferRow)) or 0
        duplicated += abs(after - before - rows)
    engine.dispose()
    return {"trial": "ledger import", "backend": backend, "runs": kills, "rows": rows,
            "run_s": round(duration, 1),
            "killed_while_running": killed_running, "partial": partial, "lost": 0,
            "duplicated": duplicated, "verify": _problems(url)}


# --- two servers, one PostGIS database --------------------------------------------------------

def two_servers(folder: Path, rng: random.Random, members_n: int = 60) -> dict[str, Any]:
    url, members, _ = _new_store("postgis", folder, members_n)
    try:
        engine = make_engine(DatabaseSettings(database_url=url))
        writer = writer_sessions(engine)
        servers = [Server(url, folder), Server(url, folder)]
        for server in servers:
            server.start()
        tokens = [_token(server.base, "till") for server in servers]
        # each member holds 100 MonA: 8 payments of 30 each, at once, half on each server
        jobs = [(m, issue_payment_code(writer, TERRITORY, m).code) for m in members
                for _ in range(8)]
        rng.shuffle(jobs)
        accepted: list[int] = []
        refused = 0
        lock = threading.Lock()

        def pay(index: int) -> None:
            nonlocal refused
            for j in range(index, len(jobs), 8):
                member, code = jobs[j]
                server = j % 2
                status, answer = _post(servers[server].base, "/api/payments",
                                       {"code": code, "amount_mona": "30.00"},
                                       {"Authorization": f"Bearer {tokens[server]}",
                                        "Content-Type": "application/json",
                                        "Idempotency-Key": f"two-{j}"})
                with lock:
                    if status == 201:
                        accepted.append(member)
                    elif status == 409:
                        refused += 1
                    else:
                        raise SystemExit(f"unexpected {status} {answer}")

        threads = [threading.Thread(target=pay, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for server in servers:
            server.stop()
        over = [m for m in members if accepted.count(m) > 3]
        with session_factory(engine)() as session:
            negative = session.scalar(text("SELECT count(*) FROM ledger_account "
                                     "WHERE balance_cents < 0 AND kind <> 'issuance'"))
        engine.dispose()
        return {"trial": "two servers, one PostGIS", "payments": len(jobs),
                "accepted": len(accepted), "refused": refused, "overspent_members": len(over),
                "negative_balances": int(negative or 0), "verify": _problems(url)}
    finally:
        drop_store("postgis", url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=12, help="server kills per backend")
    parser.add_argument("--allocations", type=int, default=5)
    parser.add_argument("--imports", type=int, default=5)
    parser.add_argument("--import-rows", type=int, default=60_000)
    parser.add_argument("--import-rows-postgis", type=int, default=60_000,
                        help="rows of each import on PostGIS (posted per statement since "
                             "migration 0009: about twice SpatiaLite's time)")
    parser.add_argument("--members", type=int, default=6000,
                        help="members (an allocation of them takes a few seconds)")
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    started = time.monotonic()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"gc-crash-{backend}-") as tmp:
            folder = Path(tmp)
            url, members, _ = _new_store(backend, folder, args.members)
            try:
                trials: list[tuple[Any, tuple[Any, ...]]] = [
                    (payment_trials, (backend, url, folder, members, args.payments, rng)),
                    (allocation_trials, (backend, url, folder, args.allocations, rng)),
                    (import_trials, (backend, url, folder, args.imports,
                                     args.import_rows if backend == "spatialite"
                                     else args.import_rows_postgis, rng))]
                for trial, trial_args in trials:
                    t0 = time.monotonic()
                    result = trial(*trial_args)
                    result["seconds"] = round(time.monotonic() - t0)
                    results.append(result)
                    print(json.dumps(result), flush=True)
            finally:
                drop_store(backend, url)
    if "postgis" in args.backends:
        with tempfile.TemporaryDirectory(prefix="gc-crash-two-") as tmp:
            t0 = time.monotonic()
            result = two_servers(Path(tmp), rng)
            result["seconds"] = round(time.monotonic() - t0)
            results.append(result)
            print(json.dumps(result), flush=True)
    kills: dict[str, int] = {}
    for r in results:
        if "backend" in r:
            kills[r["backend"]] = kills.get(r["backend"], 0) + int(r["runs"])
    bad = [r for r in results if r.get("lost") or r.get("duplicated") or r.get("partial")
           or r.get("verify") or r.get("overspent_members") or r.get("negative_balances")]
    print(f"kills per backend: {kills}; {len(bad)} trial(s) with a loss, a duplicate or a "
          f"broken invariant; {time.monotonic() - started:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
