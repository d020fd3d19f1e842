"""The printed letters: a PDF any reader opens (checked by pypdf, strict), a page each, its
French text as written, and a QR code holding the letter's link."""

from __future__ import annotations

import io

import pypdf

from geo_caisse.io.letters import Letter, letters_pdf


def _letter(code: str) -> Letter:
    return Letter(sender="Caisse alimentaire commune", date="3 décembre 2026",
                  title="Bienvenue à la caisse « MonA »",
                  paragraphs=["Vous recevez 100 MonA par mois, soit 100 € de courses (œufs, "
                              "légumes, pain) chez les conventionnés\u202f: l'équipe vous aide.",
                              "1. Ouvrez la page de bienvenue.", "2. Tapez le code (\\ ou /)."],
                  code=code, qr=f"https://caisse.example/bienvenue#code={code}",
                  footer="Ce code sert une seule fois, jusqu'au 3 janvier 2027.")


def test_a_page_per_letter_with_its_french_text_and_code() -> None:
    pdf = letters_pdf([_letter("ABCD-EFGH-JKLM"), _letter("NPQR-STUV-WXYZ")])
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == 2
    first, second = (" ".join(p.extract_text().split()) for p in reader.pages)
    for text in (first, second):
        assert "Bienvenue à la caisse « MonA »" in text
        assert "100 € de courses (œufs, légumes, pain)" in text
        assert "3 décembre 2026" in text and "Tapez le code (\\ ou /)." in text
        assert "jusqu'au 3 janvier 2027" in text
    assert "ABCD-EFGH-JKLM" in first and "NPQR-STUV-WXYZ" in second
    assert "ABCD" not in second
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def test_the_qr_code_is_drawn_module_by_module() -> None:
    from geo_caisse.io.qr import qr_matrix

    letter = _letter("ABCD-EFGH-JKLM")
    content = pypdf.PdfReader(io.BytesIO(letters_pdf([letter]))).pages[0].get_contents()
    assert content is not None
    ops = content.get_data().decode("latin-1")
    matrix = qr_matrix(letter.qr)
    # one rectangle per run of dark modules in a row
    runs = sum(int(row[0]) + int(((row[1:]) & ~row[:-1]).sum()) for row in matrix)
    assert ops.count(" re\n") == runs
    assert matrix.sum() > 0


def test_no_letter_no_page() -> None:
    reader = pypdf.PdfReader(io.BytesIO(letters_pdf([])), strict=True)
    assert len(reader.pages) == 0
