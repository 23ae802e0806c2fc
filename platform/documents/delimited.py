"""A document as CSV: the group as the first column, statuses by their key.

Text that a spreadsheet program would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a leading single quote, as
OWASP recommends: the program then shows it as text. Numbers are written as numbers, a
negative one included. Control characters are treated as in the other formats
(:func:`~saypro.platform.documents.text.printable`).
"""

from __future__ import annotations

import csv
import io

from saypro.platform.documents.model import Cell, Document, Number, cell_text
from saypro.platform.documents.text import inert, printable


def _safe(text: str) -> str:
    return inert(printable(text))


def _text(cell: Cell) -> str:
    # Numbers without thousands separators, so the CSV reads back as numbers.
    if isinstance(cell, Number):
        return f"{cell.value:.{cell.places}f}"
    return _safe(cell_text(cell))


def to_csv(document: Document) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_safe(document.group_title), *(_safe(c.title) for c in document.columns)])
    for group in document.groups:
        for row in group.rows:
            writer.writerow([_safe(group.title), *(_text(cell) for cell in row)])
    # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
