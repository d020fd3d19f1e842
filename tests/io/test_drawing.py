"""The printed maps and budget pages drawn from several threads at once, in a fresh
interpreter (matplotlib's first import is what two threads must not do together)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import threading
from geo_caisse.io.budget_pdf import budget_pdf
from types import SimpleNamespace
import pandas as pd
from geo_caisse.walk.printmap import desert_map, points_map
from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR
from geo_caisse.core.territory import Territory

territory = Territory.from_dir(BUNDLED_TERRITORY_DIR)
barrier = threading.Barrier(6)
errors = []

def work(i):
    barrier.wait()
    try:
        if i % 3 == 0:
            out = budget_pdf("Budget", [("MonA émises", "35 000")], [("État", 0.5), ("reste", 0.5)])
        elif i % 3 == 1:  # a one-cell report: what the map reads of one
            report = SimpleNamespace(threshold_min=10.0, cell_size_m=200.0, cells=pd.DataFrame(
                {"x0_m": [770000.0], "y0_m": [6280000.0], "desert_share": [0.3]}))
            out = desert_map(territory, report, [], fmt="pdf")
        else:
            out = points_map(territory, [(3.8767, 43.6108, "conventionne")], [], title="Carte",
                             fmt="pdf")
        assert out[:5] == b"%PDF-", out[:20]
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors or "ok")
"""


def test_six_threads_draw_at_once_from_a_fresh_interpreter() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "ok", out.stdout[-2000:]
