"""A row taller than a page (a long reason for deviation, or a quarter's three monthly
reasons joined in one cell) continues on the next page instead of failing the report;
none of its text is lost, and every page keeps the header row and "page X of Y"."""

from __future__ import annotations

import io
import re

import pypdf

from saypro.platform.documents.pdf import to_pdf
from tests.platform.documents.conftest import document, row


def _numbered_words(characters: int) -> list[str]:
    return [f"w{n:05d}" for n in range(characters // 7)]  # "w00001 " is 7 characters


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def _assert_numbered_with_header(pages: list[str]) -> None:
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text
        assert "Reason for deviation" in text  # the header row, repeated


def test_a_reason_of_3000_characters_runs_over_to_the_next_page() -> None:
    words = _numbered_words(3000)
    pages = _pages(to_pdf(document(row("LONG1", " ".join(words)), row("AFTER1", "short"))))
    assert len(pages) > 1
    _assert_numbered_with_header(pages)
    text = "\n".join(pages)
    assert re.findall(r"w\d{5}", text) == words  # every word, once, in order
    assert "AFTER1" in text


def test_a_quarter_of_long_reasons_joined_in_one_cell() -> None:
    # Three months' reasons, each longer than a form accepts (2 000 characters).
    reasons = "; ".join(f"M{month}: " + " ".join(_numbered_words(5000)) for month in (1, 2, 3))
    pages = _pages(to_pdf(document(row("Q1", reasons))))
    _assert_numbered_with_header(pages)
    assert len(re.findall(r"w\d{5}", "\n".join(pages))) == 3 * len(_numbered_words(5000))


def test_200_rows_with_long_reasons() -> None:
    reason = " ".join(_numbered_words(3000))
    rows = [row(f"R{n:03d}", reason if n % 20 == 0 else "Vendor delay") for n in range(200)]
    pages = _pages(to_pdf(document(*rows)))
    _assert_numbered_with_header(pages)
    text = "\n".join(pages)
    assert all(f"R{n:03d}" in text for n in range(200))
