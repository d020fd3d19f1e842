"""`geo-caisse init` compiles the flows' pass and the targeting's search ahead of the first
request: checked by compiling them ahead in a fresh interpreter, forbidding numba any
further compilation, then running the real flows and targeting paths, which must find every
signature they need already compiled (numba raises TypeError otherwise)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import numpy as np
    import scipy.sparse as sp

    from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR
    from geo_caisse.core.territory import Territory
    from geo_caisse.mona import _pass
    from geo_caisse.mona.flowdata import FlowData
    from geo_caisse.mona.flows import MonaFlows
    from geo_caisse.planning import _search, mclp

    _pass.compile_ahead()
    mclp.compile_ahead()
    for dispatcher in (_pass._aggregate_chunks, _pass._merge, _pass._month_sets,
                       _search.tabu_swaps):
        dispatcher.disable_compile()

    rng = np.random.default_rng(3)
    n_members, n_vendors, n = 60, 4, 2_000
    data = FlowData(
        months=[f"2025-{m:02d}" for m in range(1, 13)],
        member_ids=np.arange(1, n_members + 1, dtype=np.int64),
        member_x_m=rng.uniform(768_000, 772_000, n_members),
        member_y_m=rng.uniform(6_278_000, 6_282_000, n_members),
        vendor_pos_ids=np.arange(1, n_vendors + 1, dtype=np.int64),
        vendor_refs=[f"v{i}" for i in range(n_vendors)],
        vendor_names=[f"Vendeur {i}" for i in range(n_vendors)],
        vendor_kinds=["epicerie"] * n_vendors,
        vendor_market=np.full(n_vendors, -1, dtype=np.int64),
        vendor_lon=np.full(n_vendors, 3.87), vendor_lat=np.full(n_vendors, 43.61),
        vendor_in_centre=np.zeros(n_vendors, dtype=bool),
        payer=rng.integers(0, n_members, n, dtype=np.int32),
        payee=rng.integers(0, n_vendors, n, dtype=np.int32),
        cents=rng.integers(100, 5_000, n).astype(np.int64),
        month=rng.integers(0, 12, n, dtype=np.int16))
    flows = MonaFlows.compute(data, Territory.from_dir(BUNDLED_TERRITORY_DIR))
    assert int(flows.aggregate(0, 12)[0].sum()) == int(data.cents.sum())
    assert int(flows.vendors._month_sets(0, 12).sum()) > 0

    cover = sp.csc_array(rng.random((300, 40)) < 0.08)
    inst = mclp.CoverageInstance(rng.uniform(0, 50, 300), cover)
    for solve in (mclp.solve_interactive, mclp.solve_exact):
        assert len(solve(inst, 6).sites) == 6
    print("no compilation needed")
""")


def test_the_flows_pass_and_the_targeting_search_need_no_compilation_after_init() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "no compilation needed" in run.stdout
