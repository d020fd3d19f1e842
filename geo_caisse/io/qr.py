"""QR codes drawn here (segno), never by an outside service: SVG for a page, a matrix for a
printed letter."""

from __future__ import annotations

import numpy as np
import segno
from numpy.typing import NDArray


def _qr(text: str) -> segno.QRCode:
    # a full QR code (never a micro one: phone cameras and scanners read those)
    return segno.make_qr(text, error="m")


def qr_svg(text: str, *, scale: int = 8, title: str | None = None) -> str:
    """An inline ``<svg>`` of ``text``'s QR code, with its quiet zone."""
    return str(_qr(text).svg_inline(scale=scale, border=4, title=title,
                                    svgclass="gc-qr", lineclass=None))


def qr_matrix(text: str) -> NDArray[np.bool_]:
    """``text``'s QR code as a boolean matrix (True: dark), with a 4-module quiet zone."""
    rows = [[bool(v) for v in row] for row in _qr(text).matrix_iter(scale=1, border=4)]
    return np.array(rows, dtype=bool)
