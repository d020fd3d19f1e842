"""Printable letters (A4 PDF, one page each): a heading, paragraphs, a code set large and a
QR code.

The PDF is written directly (6 ms a page, most of it choosing the QR code's mask, where
drawing each page with matplotlib took 52 ms: 18 s for a caisse inviting its 350 members
at once), in the standard PDF fonts every reader has (Helvetica, Courier) with the WinAnsi
encoding, which holds every French letter, the guillemets and the € sign; the QR code is
drawn as filled squares, so that it prints sharp at any size.
"""

from __future__ import annotations

import textwrap
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from geo_caisse.io.qr import qr_matrix

A4_PT = (595.28, 841.89)
WRAP = 78  # characters per line of body text at 10.5 pt
#: the fonts a letter uses (PDF's standard 14: never embedded, every reader has them)
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier-Bold"}
#: Helvetica's advance widths (1/1000 em) of the printable ASCII characters, from its AFM
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584)
#: what WinAnsi lacks, said with what it has (French typography's thin spaces)
_SPACES = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u2007": " ", "\u2002": " "})


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
    return _document([_page(letter) for letter in letters])


def _winansi(text: str) -> bytes:
    """``text`` as a PDF string's bytes (WinAnsi, i.e. cp1252), parentheses escaped; a
    character cp1252 lacks is written without its accent, or as ``?``."""
    out = bytearray()
    for ch in text.translate(_SPACES):
        try:
            b = ch.encode("cp1252")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)[:1]
            b = base.encode("cp1252", errors="replace") if base else b"?"
        if b in (b"\\", b"(", b")"):
            b = b"\\" + b
        out += b
    return bytes(out)


def _width(text: str, size: float) -> float:
    """``text``'s width in Helvetica at ``size`` points (an accented letter is as wide as
    its letter; what is not ASCII counts as a digit)."""
    total = 0
    for ch in text:
        c = ord(unicodedata.normalize("NFKD", ch)[:1] or "0")
        total += _HELVETICA[c - 32] if 32 <= c <= 126 else 556
    return total * size / 1000


def _text(x: float, y: float, text: str, font: str, size: float, gray: float = 0.0) -> bytes:
    """A line of text, its baseline starting at (x, y) in fractions of the page."""
    w, h = A4_PT
    return (b"BT %.3f g /%s %.1f Tf %.2f %.2f Td (" % (gray, font.encode(), size, x * w, y * h)
            + _winansi(text) + b") Tj ET\n")


def _page(letter: Letter) -> bytes:
    """The page's content stream (positions as fractions of the page, from the bottom)."""
    w, h = A4_PT
    ops = bytearray()
    left, y = 0.1, 0.93
    ops += _text(left, y, letter.sender, "F2", 12)
    ops += _text(0.9 - _width(letter.date, 10.5) / w, y, letter.date, "F1", 10.5)
    y -= 0.07
    ops += _text(left, y, letter.title, "F2", 15)
    y -= 0.05
    for para in letter.paragraphs:
        indent = "    " if para[:2].rstrip(".").isdigit() else ""
        for line in textwrap.wrap(para, WRAP, subsequent_indent=indent):
            ops += _text(left, y, line, "F1", 10.5)
            y -= 0.021
        y -= 0.012
    y -= 0.01
    ops += _text(left, y, letter.code, "F3", 26)
    # the QR code, 2.1 inches wide, under the code: a filled square per dark module,
    # a row's neighbouring dark modules as one rectangle
    matrix = qr_matrix(letter.qr)
    side_pt = 2.1 * 72
    module = side_pt / matrix.shape[1]
    top = (y - 0.03) * h
    ops += b"0 g\n"
    for r, row in enumerate(matrix.tolist()):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            ops += b"%.3f %.3f %.3f %.3f re\n" % (left * w + start * module,
                                                 top - (r + 1) * module,
                                                 (c - start) * module, module)
    ops += b"f\n"
    if letter.footer:
        for i, line in enumerate(textwrap.wrap(letter.footer, WRAP + 12)):
            ops += _text(left, 0.07 - i * 0.018, line, "F1", 9, gray=0.267)
    return bytes(ops)


def _document(pages: Sequence[bytes]) -> bytes:
    """A PDF 1.4 file of ``pages`` (content streams, compressed), A4, with its cross-reference
    table."""
    fonts = list(FONTS.items())
    n_fonts = len(fonts)
    first_page = 4 + n_fonts  # 1 catalog, 2 pages, 3 info, fonts, then page + content each
    kids = [first_page + 2 * i for i in range(len(pages))]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % k for k in kids), len(pages)),
        b"<< /Creator (geo_caisse) /Producer (geo_caisse) >>",
    ]
    objects += [b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
                % base.encode() for _, base in fonts]
    resources = b"<< /Font << %s >> >>" % b" ".join(
        b"/%s %d 0 R" % (name.encode(), 4 + i) for i, (name, _) in enumerate(fonts))
    for i, content in enumerate(pages):
        packed = zlib.compress(content, 6)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
                       b"/Resources %s /Contents %d 0 R >>"
                       % (A4_PT[0], A4_PT[1], resources, kids[i] + 1))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
                       + packed + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)
