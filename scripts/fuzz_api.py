"""Fuzz the served API with schemathesis, without a token and with a token of each role.

Builds a fresh SpatiaLite store (the bundled data, a simulated year, a user per role),
serves it with ``geo-caisse serve`` on a free loopback port, then runs ``schemathesis run
--checks all`` once per caller (anonymous, member, producer, committee, coordinator), each
bounded by ``--max-examples`` and ``--max-time``. Any 5xx, schema violation or undocumented
status fails the run (exit 1). Part of ``scripts/test.sh``; alone::

    .venv/bin/python scripts/fuzz_api.py [--max-examples 8] [--max-time 30]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOKEN = "fuzz-coordinator-token-0123456789"
PASSWORD = "fuzzing passphrase 2026"
CALLERS = ("anonymous", "member", "producer", "committee", "coordinator")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str, env: dict[str, str]) -> None:
    """The store as `scripts/serve.sh` leaves it: `geo-caisse init` (the bundled data, the
    base map cut, the searches compiled), then a simulated year and one user per role."""
    init = subprocess.run([str(BIN / "geo-caisse"), "init"], env=env, capture_output=True,
                          text=True)
    if init.returncode != 0:
        raise SystemExit(f"geo-caisse init failed (exit {init.returncode}):\n"
                         f"{init.stderr[-5000:]}")
    from sqlalchemy import select

    from geo_caisse.auth.users import create_user
    from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR, DatabaseSettings
    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.accounts import register_member
    from geo_caisse.mona.simulate import simulate_year
    from geo_caisse.mona.transactions import import_transactions
    from geo_caisse.mona.treasury import allocate_month
    from geo_caisse.storage import make_engine, session_factory, writer_sessions
    from geo_caisse.storage.models import PointOfSaleRow

    territory = Territory.from_dir(BUNDLED_TERRITORY_DIR)
    engine = make_engine(DatabaseSettings(database_url=url))
    writer = writer_sessions(engine)
    sim = simulate_year(writer, territory, year=2025, members=60, seed=17)
    import_transactions(writer, sim.csv_bytes, source="synthetic.csv")
    member = register_member(writer, territory, joined_on=date(2026, 1, 1),
                             home_lon=3.8767, home_lat=43.6108)
    allocate_month(writer, territory, "2026-01")
    with session_factory(engine)() as s:
        shop = s.scalars(select(PointOfSaleRow.id).where(PointOfSaleRow.accepts_mona.is_(True))
                         .order_by(PointOfSaleRow.id).limit(1)).one()
    for role, extra in (("member", {"member_id": member.id}),
                        ("producer", {"point_of_sale_id": shop}),
                        ("committee", {}), ("coordinator", {})):
        create_user(writer, username=f"fuzz-{role}", password=PASSWORD, role=role, **extra)
    engine.dispose()


def _token(base: str, role: str) -> str:
    data = urlencode({"username": f"fuzz-{role}", "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{base}/api/token", data=data, timeout=30) as r:
        return str(json.loads(r.read())["access_token"])


def _wait(base: str, server: subprocess.Popen[bytes], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer /healthz in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=8)
    parser.add_argument("--max-time", type=int, default=30,
                        help="seconds per caller (schemathesis --max-time)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--callers", default=",".join(CALLERS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gc-fuzz-") as tmp:
        url = f"sqlite:///{tmp}/fuzz.sqlite"
        port = _free_port()
        env = {**os.environ, "GEO_CAISSE_DATABASE_URL": url,
               "GEO_CAISSE_COORDINATOR_TOKEN": TOKEN,
               # the throttles answer 429 (documented) long before the fuzzer is done:
               # raise them, so that the routes behind are fuzzed too
               "GEO_CAISSE_THROTTLE_LOGIN_PER_MINUTE": "10000",
               "GEO_CAISSE_THROTTLE_VOLUNTEERS_PER_HOUR": "100000",
               "GEO_CAISSE_THROTTLE_SEARCH_PER_MINUTE": "100000"}
        _prepare(url, env)
        server = subprocess.Popen([str(BIN / "geo-caisse"), "serve", "--port", str(port)],
                                  env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                  stderr=open(f"{tmp}/server.log", "wb"))  # noqa: SIM115
        base = f"http://127.0.0.1:{port}"
        failed = []
        try:
            _wait(base, server)
            for caller in args.callers.split(","):
                headers = [] if caller == "anonymous" else [
                    "-H", f"Authorization: Bearer {_token(base, caller)}"]
                started = time.monotonic()
                run = subprocess.run(
                    [str(BIN / "schemathesis"), "run", f"{base}/openapi.json", "--checks", "all",
                     # a request the schema allows may still be refused by a rule no schema
                     # can say (a place outside the territory, an exit before the entry):
                     # a 422 naming it is the right answer, not a failure
                     "--exclude-checks", "positive_data_acceptance",
                     "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
                     "--seed", str(args.seed), "--no-shrink",
                     # one worker: CPython 3.11's ast is not thread-safe under hypothesis
                     # ("AST constructor recursion depth mismatch" in the fuzzer itself)
                     "--workers", "1",
                     "--report", "json", "--report-json-path", f"{tmp}/{caller}.json",
                     *headers], cwd=tmp, capture_output=True, text=True)
                summary = _summary(Path(f"{tmp}/{caller}.json"))
                print(f"==> schemathesis as {caller}: exit {run.returncode}, {summary} "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
                if run.returncode != 0:
                    failed.append(caller)
                    print(run.stdout[-20000:])
        finally:
            server.terminate()
            server.wait(timeout=30)
            log = Path(f"{tmp}/server.log").read_text(errors="replace")
            if "Traceback" in log:
                print("server log:\n" + log[-5000:])
                failed.append("server tracebacks")
    if failed:
        print(f"schemathesis failed for: {', '.join(failed)}")
        return 1
    return 0


def _summary(path: Path) -> str:
    """Requests and failures of a run, from schemathesis' JSON report."""
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return "no report"
    cases = report.get("test_cases") or {}
    return (f"{cases.get('generated', '?')} test cases, {len(report.get('failures') or [])} "
            f"failures, {len(report.get('errors') or [])} errors")


if __name__ == "__main__":
    sys.exit(main())
