"""Abuse probes against a served instance: memory under huge chunked bodies, and the answers
to the inputs of issue 17.

    .venv/bin/python benchmarks/bench_abuse.py [--megabytes 200]

Starts ``geo-caisse serve`` on a fresh SpatiaLite store, then sends a ``--megabytes``
chunked body (no Content-Length) to ``POST /api/search``, ``POST /api/volunteers`` and, without
a token, ``POST /api/import/points_of_sale``; prints each answer, how much of the body the
client could send before it, and the server's resident memory before and at its peak
(``VmHWM``). Then the probes that answered 500 before: integers of 2^63 and more in paths and
queries, ``on=0``, wrong passwords in a row.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
TOKEN = "abuse-coordinator-token-0123456789"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _chunked(port: int, path: str, megabytes: int, headers: dict[str, str],
             preamble: bytes = b"") -> tuple[int, str, float]:
    """Send ``megabytes`` of chunked body; the status, the body's start and the MB sent."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", path)
    for k, v in {"Transfer-Encoding": "chunked", **headers}.items():
        conn.putheader(k, v)
    conn.endheaders()
    chunk = b"A" * (1 << 20)
    sent = 0
    try:
        if preamble:
            conn.send(f"{len(preamble):x}\r\n".encode() + preamble + b"\r\n")
        for _ in range(megabytes):
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += 1
        conn.send(b"0\r\n\r\n")
    except OSError:  # the server answered and closed: it read no more
        pass
    try:
        response = conn.getresponse()
        return response.status, response.read()[:120].decode(errors="replace"), sent
    except (OSError, http.client.HTTPException) as exc:
        return 0, f"no answer ({type(exc).__name__})", sent
    finally:
        conn.close()


def _get(base: str, path: str, **kwargs: object) -> tuple[int, str]:
    request = urllib.request.Request(base + path, **kwargs)  # type: ignore[arg-type]
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read()[:160].decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:160].decode()


def _locked_store(port: int, path: str) -> int:
    """Writes while another process holds the SpatiaLite write lock: a JSON 503 with
    Retry-After on a connection that stays open for the next request."""
    import sqlite3

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"income_quartile": 1, "age_band": "<30"})
    try:
        conn.request("POST", "/api/volunteers", body, {"Content-Type": "application/json"})
        first = conn.getresponse()
        answer = first.read()
        sock = conn.sock
        print(f"a write while the store is locked: {first.status} "
              f"{first.getheader('Content-Type')} Retry-After {first.getheader('Retry-After')}"
              f" {answer[:90].decode()}")
        holder.execute("ROLLBACK")
        conn.request("POST", "/api/volunteers", body, {"Content-Type": "application/json"})
        second = conn.getresponse()
        second.read()
        kept = conn.sock is sock and sock is not None
        print(f"the next request on the same connection: {second.status} (connection kept: "
              f"{kept})")
        return int(first.status != 503 or second.status != 201 or not kept)
    finally:
        conn.close()
        holder.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gc-abuse-") as tmp:
        url = f"sqlite:///{tmp}/abuse.sqlite"
        env = {**os.environ, "GEO_CAISSE_DATABASE_URL": url,
               "GEO_CAISSE_COORDINATOR_TOKEN": TOKEN, "GEO_CAISSE_SQLITE_BUSY_TIMEOUT_S": "1"}
        subprocess.run([str(BIN / "geo-caisse"), "init"], env=env, check=True, cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = _port()
        server = subprocess.Popen([str(BIN / "geo-caisse"), "serve", "--port", str(port)],
                                  env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        bad = 0
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            before = _memory_kb(server.pid, "VmRSS")
            print(f"server resident memory at rest: {before / 1024:.0f} MB")
            part = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"'
                    b"\r\nContent-Type: text/csv\r\n\r\n")
            for path, headers, preamble in (
                    ("/api/search", {"Content-Type": "application/json"}, b""),
                    ("/api/volunteers", {"Content-Type": "application/json"}, b""),
                    ("/api/import/points_of_sale",  # a well-formed file part, without a token
                     {"Content-Type": "multipart/form-data; boundary=x"}, part)):
                started = time.monotonic()
                status, body, sent = _chunked(port, path, args.megabytes, headers, preamble)
                peak = _memory_kb(server.pid, "VmHWM")
                print(f"{args.megabytes} MB chunked to {path}: {status} {body!r} after "
                      f"{sent} MB sent, {time.monotonic() - started:.1f} s; server peak "
                      f"memory {peak / 1024:.0f} MB")
                bad += status != 413
            for probe in ("/api/points-of-sale/1180591620717411303424",
                          "/api/markets/9223372036854775808",
                          "/api/draws/9223372036854775808",
                          "/api/points-of-sale?offset=9223372036854775808",
                          "/api/markets?limit=1&offset=18446744073709551616"):
                status, body = _get(base, probe)
                print(f"GET {probe}: {status} {body[:100]}")
                bad += status >= 500
            status, body = _get(base, "/api/committee/composition?on=0",
                                headers={"Authorization": f"Bearer {TOKEN}"})
            print(f"GET /api/committee/composition?on=0: {status} {body[:100]}")
            bad += status != 422
            statuses = []
            for _ in range(8):
                status, _ = _get(base, "/api/token", data=b"username=nobody&password=x",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
                statuses.append(status)
            print(f"8 wrong passwords: {statuses}")
            bad += 429 not in statuses
            bad += _locked_store(port, f"{tmp}/abuse.sqlite")
            final = _memory_kb(server.pid, "VmRSS")
            print(f"server resident memory at the end: {final / 1024:.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps({"unexpected": bad}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
