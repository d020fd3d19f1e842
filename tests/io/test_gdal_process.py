"""The GDAL process is kept between tasks and never outlives the process that started it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from geo_caisse.io import _gdal
from tests.utils.stores import TESTS_DIR

ROOT = TESTS_DIR.parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_one_process_serves_the_tasks_one_after_the_other() -> None:
    first = _gdal.call(os.getpid)
    assert first != os.getpid()
    assert _gdal.call(os.getpid) in {first, *[_gdal.call(os.getpid) for _ in range(3)]}


def test_the_gdal_process_ends_with_its_parent_even_killed() -> None:
    code = ("import os\nfrom geo_caisse.io import _gdal\n"
            "print(_gdal.call(os.getpid), flush=True)\n"
            "os._exit(0)  # no pool shutdown, as under SIGKILL\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    worker = int(out.stdout.strip())
    for _ in range(300):  # it looks for its parent every second
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker), f"the GDAL process {worker} outlived its parent"
