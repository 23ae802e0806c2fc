"""Control characters from pasted text: the XLSX is still written (XML cannot hold them),
a word processor's line break stays a line break, and the PDF shows the user's markup
characters as text."""

from __future__ import annotations

import csv
import io

import pypdf
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from saypro.platform.documents.delimited import to_csv
from saypro.platform.documents.pdf import to_pdf
from saypro.platform.documents.xlsx import to_xlsx
from tests.platform.documents.conftest import data_row, document, row, sheet_of

# Every C0 control character but tab, line feed and carriage return, the ones XML forbids.
CONTROLS = "".join(chr(n) for n in range(32) if chr(n) not in "\t\n\r")


def _pdf_words(content: bytes) -> str:
    """The PDF's text with each run of white space (the cell's wrapping) as one space."""
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_xlsx_is_written_without_the_characters_xml_cannot_hold() -> None:
    assert all(ILLEGAL_CHARACTERS_RE.match(c) for c in CONTROLS.replace("\x0b", ""))
    hostile = f"first\x0bsecond{CONTROLS}\x00end"
    sheet = sheet_of(to_xlsx(document(row("X1", hostile), group="SO\x07 one", details="\x1f")))
    cells = data_row(sheet, "X1")
    # A vertical tab or form feed (Word's manual line and page breaks) becomes a line break.
    assert cells["Reason for deviation"].value == "first\nsecond\n\nend"
    assert cells["Strategic objective"].value == "SO one"
    assert sheet["B3"].value in ("", None)


def test_a_formula_behind_a_control_character_is_still_text() -> None:
    sheet = sheet_of(to_xlsx(document(row("X1", "\x00=1+1"))))
    cell = data_row(sheet, "X1")["Reason for deviation"]
    assert cell.value == "=1+1" and cell.data_type == "s"
    [line] = csv.DictReader(
        io.StringIO(to_csv(document(row("X1", "\x00=1+1"))).decode("utf-8-sig"))
    )
    assert line["Reason for deviation"] == "'=1+1"


def test_the_csv_treats_control_characters_as_the_spreadsheet_does() -> None:
    content = to_csv(document(row("X1", "first\x0bsecond\x00\x1b")))
    [line] = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    assert line["Reason for deviation"] == "first\nsecond"


def test_the_pdf_shows_markup_as_text_and_drops_control_characters() -> None:
    reason = 'Late <b>bold</b> & <font size="40">big</font> <br/> R&D\x0bnext line\x00\x1b.'
    text = _pdf_words(to_pdf(document(row("P1", reason), group="SO <1> & 2", details="<i>x")))
    assert 'Late <b>bold</b> & <font size="40">big</font> <br/> R&D' in text
    assert "R&D next line." in text
    assert "SO <1> & 2" in text
    assert "<i>x" in text
    assert "■" not in text  # no character without a glyph
