"""Free text typed by a person (a suggestion, a committee's comment): trimmed, bounded, with
no control characters; empty is ``None``."""

from __future__ import annotations

import re

from geo_caisse.core.errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def free_text(value: str | None, name: str, *, limit: int, required: bool = False
              ) -> str | None:
    """``value`` trimmed, or None when empty; :class:`ValidationError` naming ``name`` when it
    holds control characters, is required and empty, or is longer than ``limit``.

    >>> free_text("  rampe à l'entrée ", "comment", limit=100), free_text("", "note", limit=9)
    ("rampe à l'entrée", None)
    """
    text = (value or "").strip()
    if _CONTROL.search(text):
        raise ValidationError(f"{name} holds control characters")
    if required and not text:
        raise ValidationError(f"{name} is required")
    if len(text) > limit:
        raise ValidationError(f"{name} is longer than {limit} characters")
    return text or None
