"""The examples in the library's docstrings are run: a docstring that lies fails here."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import geo_caisse

ROOT = Path(geo_caisse.__file__).parent
MODULES = sorted(
    "geo_caisse." + ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for p in ROOT.rglob("*.py") if ">>> " in p.read_text(encoding="utf-8"))


def test_some_modules_have_examples() -> None:
    assert "geo_caisse.core.opening_hours" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, name
