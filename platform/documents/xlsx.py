"""A document as an XLSX workbook: the title block, then one table with the group as its
first column, the header row frozen, an autofilter over the table, numbers stored as
numbers shown with their decimal places, and status cells coloured and carrying the key."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from saypro.platform.documents.colours import fill_of
from saypro.platform.documents.model import Document, Mark, Number

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_SHEET_TITLE = 31


def _format(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def to_xlsx(document: Document, *, sheet_title: str = "Report") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:MAX_SHEET_TITLE]
    sheet.append([document.organisation])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.append([document.title])
    sheet.cell(row=2, column=1).font = Font(bold=True, size=12)
    for label, value in document.details:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    for note in document.notes:
        sheet.append([note])
    sheet.append([])

    titles = [document.group_title, *(c.title for c in document.columns)]
    sheet.append(titles)
    header_row = sheet.max_row
    for index in range(1, len(titles) + 1):
        heading = sheet.cell(row=header_row, column=index)
        heading.font = Font(bold=True, color="FFFFFF")
        heading.fill = HEADER_FILL
        heading.alignment = WRAP

    for group in document.groups:
        for row in group.rows:
            sheet.append([group.title])
            current = sheet.max_row
            sheet.cell(row=current, column=1).alignment = WRAP
            for offset, content in enumerate(row, start=2):
                target = sheet.cell(row=current, column=offset)
                target.alignment = WRAP
                if isinstance(content, Number):
                    target.value = content.value
                    target.number_format = _format(content.places)
                elif isinstance(content, Mark):
                    target.value = content.key
                    target.fill = PatternFill("solid", fgColor=fill_of(content.colour))
                    target.font = Font(bold=True)
                elif content is not None:
                    target.value = content

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
