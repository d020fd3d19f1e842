"""The app's pages, each built at its first request and kept.

A page is the same HTML for as long as what it is built from stays: the territory (its
configuration and its files), the page code (``maps``, its templates and static files, the
library it calls) and folium. :class:`Pages` builds a page the first time it is asked for,
keeps it in memory and writes it to ``cache_dir/pages/`` under a key of all of these, so
that a restart (or another app on the same territory) serves it without building it, nor
importing folium.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from maps import BUILDERS

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory

#: bump when what a cached page holds changes
FORMAT = 1

#: the app's pages: name -> the builder (see :mod:`maps`)
PAGES = {
    "member": "build_member_map",
    "coordination": "build_coordinator_map",
    "mona": "build_mona_map",
    "recruitment": "build_recruitment_map",
    "producer": "build_producer_map",
    "suggestions": "build_suggestions_page",
    "me": "build_member_space",
    "welcome": "build_welcome_page",
    "till": "build_till_page",
    "accounts": "build_accounts_page",
    "treasury": "build_treasury_page",
    "conventionnement": "build_conventionnement_page",
    "budget": "build_budget_page",
    "draw": "build_draw_page",
    "draw_result": "build_public_draw_page",
    "draw_unknown": "build_unknown_draw_page",
}

_HERE = Path(__file__).resolve().parent
#: built pages by key, shared by every app of the process (the key says all they read)
_BUILT: dict[str, str] = {}
_BUILT_LOCK = threading.Lock()


def _files(root: Path, suffixes: tuple[str, ...] | None = None, *,
           skip: Path | None = None) -> list[str]:
    """``path size mtime`` of every file under ``root`` (hidden ones, caches and ``skip``
    aside)."""
    out = []
    skipped = str(skip.resolve()) if skip is not None else None
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and os.path.join(folder, d) != skipped)
        for name in sorted(names):
            if name.startswith(".") or (suffixes and not name.endswith(suffixes)):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            out.append(f"{path} {st.st_size} {st.st_mtime_ns}")
    return out


def _paths(value: object) -> list[Path]:
    """Every path a territory's configuration names (its files may live outside its folder)."""
    if isinstance(value, Path):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [p for f in dataclasses.fields(value) for p in _paths(getattr(value, f.name))]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _paths(v)]
    if isinstance(value, list | tuple):
        return [p for v in value for p in _paths(v)]
    return []


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path} missing"
    return f"{path} {st.st_size} {st.st_mtime_ns}"


def inputs_key(territory: Territory, *, cache_dir: Path | None = None) -> str:
    """A digest of what the pages of ``territory`` are built from: its configuration, the
    files it names and those of its folder (``cache_dir`` aside, were it inside), the page
    code and the library's."""
    from importlib.metadata import version

    import geo_caisse

    h = hashlib.sha256(f"pages v{FORMAT} folium {version('folium')} {territory!r}".encode())
    named = sorted({str(p) for p in _paths(territory)} - {str(territory.directory)})
    for line in ([_stat(Path(p)) for p in named]
                 + _files(territory.directory.resolve(), skip=cache_dir) + _files(_HERE)
                 + _files(Path(geo_caisse.__file__).resolve().parent, (".py",))):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()[:20]


class Pages:
    """The pages of one territory, built at their first request (thread-safe)."""

    def __init__(self, territory: Territory, *, cache_dir: Path | None = None) -> None:
        self.territory = territory
        self.cache_dir = cache_dir
        self._key: str | None = None
        self._checked: set[str] = set()
        self._lock = threading.Lock()

    def html(self, name: str, **options: str | bool) -> str:
        """The page ``name`` (see :data:`PAGES`) with its builder's ``options`` (``lang``,
        ``embed``)."""
        builder = PAGES[name]
        with self._lock:
            if self._key is None:
                self._key = inputs_key(self.territory, cache_dir=self.cache_dir)
            opts = "-".join(f"{k}={v}" for k, v in sorted(options.items()))
            key = hashlib.sha256(f"{self._key} {name} {opts}".encode()).hexdigest()[:24]
            path = (self.cache_dir / "pages" / f"{name}-{key}.html"
                    if self.cache_dir is not None else None)
            with _BUILT_LOCK:
                html = _BUILT.get(key)
            if html is not None:
                # built by another app of this process: on this cache's disk too, once
                if path is not None and key not in self._checked:
                    self._checked.add(key)
                    if not path.is_file():
                        _write(path, html)
                return html
            if path is not None and path.is_file():
                html = path.read_text(encoding="utf-8")
            else:
                build = getattr(importlib.import_module(BUILDERS[builder]), builder)
                html = str(build(self.territory, **options))
                if path is not None:
                    _write(path, html)
            with _BUILT_LOCK:
                _BUILT[key] = html
            self._checked.add(key)
            return html


def _write(path: Path, html: str) -> None:
    """Keep ``html`` at ``path`` (whole or not at all); a cache that cannot be written is
    only a slower next start."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


__all__ = ["PAGES", "Pages", "inputs_key"]
