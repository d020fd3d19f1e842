"""The pages are built at their first request and kept on disk under a key of what they are
built from: a restart serves them without building them, nor importing folium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from geo_caisse.core.territory import Territory
from maps import pages as pages_module
from maps.pages import Pages, inputs_key
from tests.utils.stores import TESTS_DIR
from tests.utils.territories import variant

ROOT = TESTS_DIR.parent


def test_a_page_is_built_once_then_read_from_the_cache(tmp_path: Path,
                                                       territory: Territory) -> None:
    pages = Pages(territory, cache_dir=tmp_path)
    french = pages.html("member", lang="fr", embed=False)
    assert '<html lang="fr">' in french
    english = pages.html("member", lang="en", embed=False)
    assert english != french
    written = sorted((tmp_path / "pages").glob("member-*.html"))
    assert len(written) == 2 and {p.read_text(encoding="utf-8") for p in written} == {
        french, english}
    # another process finds the file: marked here, the mark is what it serves
    pages_module._BUILT.clear()
    for path in written:
        path.write_text(path.read_text(encoding="utf-8") + "<!-- kept -->", encoding="utf-8")
    again = Pages(territory, cache_dir=tmp_path)
    assert again.html("member", lang="fr", embed=False) == french + "<!-- kept -->"
    pages_module._BUILT.clear()


def test_the_key_moves_with_the_territory(tmp_path: Path, territory: Territory) -> None:
    key = inputs_key(territory)
    assert inputs_key(territory) == key
    folder = variant(tmp_path / "other", caisse={"monthly_allocation_mona": 150})
    assert inputs_key(Territory.from_dir(folder)) != key
    # a file of the territory rewritten: a new key (its size or time moved)
    copy = Territory.from_dir(folder)
    before = inputs_key(copy)
    outline = copy.outline_path
    os.utime(outline, ns=(outline.stat().st_atime_ns, outline.stat().st_mtime_ns + 10**9))
    assert inputs_key(copy) != before
    # a cache folder inside the territory's own is not one of its inputs
    inside = folder / "cache"
    keyed = inputs_key(copy, cache_dir=inside)
    Pages(copy, cache_dir=inside).html("till")
    assert list((inside / "pages").glob("till-*.html"))
    assert inputs_key(copy, cache_dir=inside) == keyed
    pages_module._BUILT.clear()


def test_a_page_from_the_cache_imports_no_folium(tmp_path: Path,
                                                 territory: Territory) -> None:
    Pages(territory, cache_dir=tmp_path).html("member", lang="fr", embed=False)
    code = ("import sys\n"
            "from geo_caisse.core.settings import BUNDLED_TERRITORY_DIR\n"
            "from geo_caisse.core.territory import Territory\n"
            "import api.main\n"
            "from maps.pages import Pages\n"
            f"html = Pages(Territory.from_dir(BUNDLED_TERRITORY_DIR), cache_dir=__import__("
            f"'pathlib').Path({str(tmp_path)!r})).html('member', lang='fr', embed=False)\n"
            "assert '<html lang=\"fr\">' in html\n"
            "print(sorted(m for m in ('folium', 'scipy.optimize', 'pandas') "
            "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
