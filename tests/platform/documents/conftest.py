"""Documents shaped like the SDBIP report (its narrow text columns are the ones that
overflow), holding whatever text a test needs."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from saypro.platform.documents.model import Cell, Column, Document, Group, Mark, Number

COLUMNS = [
    Column("Code", 9),
    Column("Indicator", 32),
    Column("Target", 11, number=True),
    Column("Actual", 11, number=True),
    Column("Status", 7),
    Column("Reason for deviation", 28),
    Column("Corrective measure", 28),
    Column("Evidence", 26),
]
GREEN = Mark("C", "Meets or exceeds target", "green")


def row(code: str, reason: str = "", *, actual: Decimal = Decimal("12.5")) -> list[Cell]:
    return [
        code,
        f"Indicator {code}",
        Number(Decimal(100)),
        Number(actual, 1),
        GREEN,
        reason,
        "",
        "evidence.pdf",
    ]


def document(
    *rows: list[Cell], group: str = "SO1 · Objective", details: str = "2025/26"
) -> Document:
    return Document(
        organisation="Test Municipality",
        title="SDBIP quarterly performance report",
        details=[("Financial year", details)],
        columns=COLUMNS,
        groups=[Group(group, list(rows))],
        generated_at=datetime(2025, 10, 1, 9, 0),
        group_title="Strategic objective",
    )


def sheet_of(content: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def data_row(sheet: Worksheet, code: str) -> dict[str, Any]:
    """The cells of the data row of ``code`` by column title."""
    header = next(r for r in range(1, 30) if sheet.cell(row=r, column=2).value == "Code")
    titles = [str(c.value) for c in sheet[header]]
    for cells in sheet.iter_rows(min_row=header + 1):
        if cells[1].value == code:
            return dict(zip(titles, cells, strict=True))
    raise AssertionError(f"no row {code}")
