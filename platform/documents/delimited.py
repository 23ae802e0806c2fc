"""A document as CSV: the group as the first column, statuses by their key.

Text that a spreadsheet program would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a leading single quote, as
OWASP recommends: the program then shows it as text. Numbers are written as numbers, a
negative one included.
"""

from __future__ import annotations

import csv
import io

from saypro.platform.documents.model import Cell, Document, Number, cell_text
from saypro.platform.documents.text import inert


def _text(cell: Cell) -> str:
    # Numbers without thousands separators, so the CSV reads back as numbers.
    if isinstance(cell, Number):
        return f"{cell.value:.{cell.places}f}"
    return inert(cell_text(cell))


def to_csv(document: Document) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([inert(document.group_title), *(inert(c.title) for c in document.columns)])
    for group in document.groups:
        for row in group.rows:
            writer.writerow([inert(group.title), *(_text(cell) for cell in row)])
    # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
