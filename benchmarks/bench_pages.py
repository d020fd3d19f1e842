"""How fast each web page is usable, in Debian's headless Chromium, with the bundled data.

    .venv/bin/python benchmarks/bench_pages.py [--repeat 5]

A SpatiaLite store in a temporary folder gets the Montpellier data, a SYNTHETIC year (400
members) and 300 SYNTHETIC volunteers; the app is served by uvicorn on 127.0.0.1 and each page
is opened in a fresh browser context (empty cache) until it shows its data:

- ``/`` (members), on a desktop and on a phone-sized viewport (375 × 812): usable when every
  conventionné and market is on the map (``body[data-gc-ready=1]``, markers drawn) and the
  base map's tiles of the first view are drawn (``data-gc-basemap=1``);
- ``/coordination``: the desert cells drawn;
- ``/coordination/mona`` and ``/coordination/recrutement``: logged in, the figures shown
  (the login form's round trip included).

Printed: the first load after start-up (cold server caches) and the median of the next
ones, against the goal (2 s; 1.5 s for the member map on a phone). No internet is used (any
other host is refused).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "benchmark password"
GOAL_S = 2.0


def serve() -> str:
    import uvicorn

    from api.main import create_app
    from geo_caisse.auth.users import create_user
    from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
    from geo_caisse.core.territory import Territory
    from geo_caisse.enrolment.simulate import simulate_volunteers
    from geo_caisse.enrolment.volunteers import register_volunteers
    from geo_caisse.layers.loading import init_store
    from geo_caisse.mona.simulate import simulate_year
    from geo_caisse.mona.transactions import import_transactions
    from geo_caisse.storage import make_engine, session_factory, writer_sessions

    territory = Territory.from_dir(ROOT / "data" / "montpellier")
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    engine = make_engine(DatabaseSettings(database_url=url))
    init_store(engine, session_factory(engine), territory, progress=lambda m: None)
    writer = writer_sessions(engine)
    print("simulating a SYNTHETIC year…", flush=True)
    sim = simulate_year(writer, territory, year=2025, members=400, seed=5)
    import_transactions(writer, sim.csv_bytes, source="synthetic.csv")
    register_volunteers(writer, territory, simulate_volunteers(
        territory, n=300, seed=2, registered_on=date(2025, 1, 6)))
    create_user(writer, username="coord", password=PASSWORD, role="coordinator")
    engine.dispose()
    settings = Settings(DatabaseSettings(database_url=url),
                        TerritorySettings(cache_dir=Path.home() / ".cache" / "geo_caisse"),
                        ApiSettings())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


MEMBER_READY = ("body[data-gc-ready='1'][data-gc-basemap='1'] "
                ":is(.gc-marker, .marker-cluster)")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
#: (label, path, login, what shows the page usable, viewport, goal in seconds)
PAGES = [("/ (phone 375 px)", "/", None, MEMBER_READY, PHONE, 1.5),
         ("/ (desktop)", "/", None, MEMBER_READY, DESKTOP, GOAL_S),
         ("/coordination", "/coordination", None, "body[data-gc-ready='1']", DESKTOP, GOAL_S),
         ("/coordination/mona", "/coordination/mona", "coord", "#gc-summary h2", DESKTOP,
          GOAL_S),
         ("/coordination/recrutement", "/coordination/recrutement", "coord",
          "#gc-result ol li", DESKTOP, GOAL_S)]


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = serve()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    print(f"{'page':<28} {'first s':>8} {'median s':>9} {'goal s':>7}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        for label, path, user, ready, viewport, goal in PAGES:
            times = []
            for _ in range(args.repeat + 1):
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                page.route("**/*", lambda r, q: r.continue_()
                           if q.url.startswith(("http://127.0.0.1:", "data:")) else r.abort())
                start = time.perf_counter()
                page.goto(base + path)
                if user:
                    page.get_by_label("Identifiant").fill(user)
                    page.get_by_label("Mot de passe").fill(PASSWORD)
                    page.get_by_role("button", name="Se connecter").click()
                page.wait_for_selector(ready, timeout=120_000)
                times.append(time.perf_counter() - start)
                context.close()
            median = statistics.median(times[1:])
            print(f"{label:<28} {times[0]:>8.2f} {median:>9.2f} {goal:>7.1f} "
                  f"{'ok' if median <= goal else 'SLOW'}", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
