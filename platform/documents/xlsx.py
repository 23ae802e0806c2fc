"""A document as an XLSX workbook: the title block, then one table with the group as its
first column, the header row frozen, an autofilter over the table, numbers stored as
numbers shown with their decimal places, and status cells coloured and carrying the key.

Every text is written as a string cell, never as a formula: openpyxl would store text
that starts with ``=`` as a live formula; and without the control characters XML cannot
hold (see :mod:`saypro.platform.documents.text`).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from saypro.platform.documents.colours import fill_of
from saypro.platform.documents.model import Document, Mark, Number
from saypro.platform.documents.text import looks_like_formula, printable

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_SHEET_TITLE = 31


def _format(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def _put_text(cell: Cell | MergedCell, content: str) -> None:
    assert isinstance(cell, Cell)  # the writer merges no cells
    text = printable(content)
    cell.value = text
    # Assigning text that starts with "=" makes openpyxl store a formula; a string cell
    # shows the same text and is never run. The quote prefix is how a spreadsheet
    # program marks typed text that looks like a formula, so it stays text when edited.
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True


def _append_text(sheet: Worksheet, texts: list[str], *, first_font: Font | None = None) -> int:
    """Appends a row of texts (the first in ``first_font`` if given); its row number."""
    sheet.append([printable(text) for text in texts])
    row = sheet.max_row
    for column, text in enumerate(texts, start=1):
        _put_text(sheet.cell(row=row, column=column), text)
    if first_font is not None:
        sheet.cell(row=row, column=1).font = first_font
    return row


def to_xlsx(document: Document, *, sheet_title: str = "Report") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:MAX_SHEET_TITLE]
    _append_text(sheet, [document.organisation], first_font=Font(bold=True, size=14))
    _append_text(sheet, [document.title], first_font=Font(bold=True, size=12))
    for label, value in document.details:
        _append_text(sheet, [label, value], first_font=Font(bold=True))
    for note in document.notes:
        _append_text(sheet, [note])
    sheet.append([])

    titles = [document.group_title, *(c.title for c in document.columns)]
    header_row = _append_text(sheet, titles)
    for index in range(1, len(titles) + 1):
        heading = sheet.cell(row=header_row, column=index)
        heading.font = Font(bold=True, color="FFFFFF")
        heading.fill = HEADER_FILL
        heading.alignment = WRAP

    for group in document.groups:
        for row in group.rows:
            current = _append_text(sheet, [group.title])
            sheet.cell(row=current, column=1).alignment = WRAP
            for offset, content in enumerate(row, start=2):
                target = sheet.cell(row=current, column=offset)
                target.alignment = WRAP
                if isinstance(content, Number):
                    target.value = content.value
                    target.number_format = _format(content.places)
                elif isinstance(content, Mark):
                    _put_text(target, content.key)
                    target.fill = PatternFill("solid", fgColor=fill_of(content.colour))
                    target.font = Font(bold=True)
                elif content is not None:
                    _put_text(target, content)

    widths = [max(16, len(document.group_title)), *(c.width for c in document.columns)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last_column = get_column_letter(len(titles))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{max(sheet.max_row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
