"""Printable letters (A4 PDF, one page each): a heading, paragraphs, a code set large and a
QR code, drawn with matplotlib (as the printable maps) in DejaVu Sans, which every French
letter and the € sign are in."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from geo_caisse.io.qr import qr_matrix

A4_IN = (8.27, 11.69)
WRAP = 78  # characters per line of body text at 10.5 pt


@dataclass(frozen=True)
class Letter:
    """One page: ``sender`` and ``date`` at the top, ``title``, ``paragraphs`` (a paragraph
    starting with "1." … is a numbered step), ``code`` set large, ``qr`` the QR's text."""

    sender: str
    date: str
    title: str
    paragraphs: Sequence[str]
    code: str
    qr: str
    footer: str = ""


def letters_pdf(letters: Sequence[Letter]) -> bytes:
    """The letters as one PDF, a page each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    out = io.BytesIO()
    with PdfPages(out, metadata={"Creator": "geo_caisse"}) as pdf:
        for letter in letters:
            fig = plt.figure(figsize=A4_IN)
            _page(fig, letter)
            pdf.savefig(fig)
            plt.close(fig)
    return out.getvalue()


def _page(fig: object, letter: Letter) -> None:
    font = {"family": "DejaVu Sans"}
    text = fig.text  # type: ignore[attr-defined]
    left, y = 0.1, 0.93
    text(left, y, letter.sender, fontsize=12, fontweight="bold", **font)
    text(0.9, y, letter.date, fontsize=10.5, ha="right", **font)
    y -= 0.07
    text(left, y, letter.title, fontsize=15, fontweight="bold", **font)
    y -= 0.05
    for para in letter.paragraphs:
        lines = textwrap.wrap(para, WRAP, subsequent_indent="    " if para[:2].rstrip(
            ".").isdigit() else "")
        for line in lines:
            text(left, y, line, fontsize=10.5, **font)
            y -= 0.021
        y -= 0.012
    y -= 0.01
    text(left, y, letter.code, fontsize=26, fontweight="bold", family="DejaVu Sans Mono")
    # the QR code, drawn as an image (2.1 inches wide), under the code
    matrix = qr_matrix(letter.qr)
    side = 2.1 / A4_IN[0]
    ax = fig.add_axes((left, y - 0.03 - side * A4_IN[0] / A4_IN[1],  # type: ignore[attr-defined]
                       side, side * A4_IN[0] / A4_IN[1]))
    ax.imshow(~matrix, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    ax.set_axis_off()
    if letter.footer:
        for i, line in enumerate(textwrap.wrap(letter.footer, WRAP + 12)):
            text(left, 0.07 - i * 0.018, line, fontsize=9, color="#444444", **font)
