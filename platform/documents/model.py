"""A report as typed rows: the one model every format is written from.

A cell holds text, a :class:`Number` (a Decimal with the decimal places to show) or a
:class:`Mark` (a status: its key, label and colour); ``None`` is an empty cell. Rows are
grouped (by strategic objective, by framework item); a group with an empty title is
shown without a heading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Number:
    value: Decimal
    places: int = 0

    def text(self) -> str:
        return f"{self.value:,.{self.places}f}".replace(",", " ")


@dataclass(frozen=True)
class Mark:
    """A status as the workspace's scale shows it: the cell shows the key (C, D, NR, …);
    a report shows the label in a column of its own."""

    key: str
    label: str
    colour: str  # a colour name of the status scale: green, amber, red, grey, blue, …

    def text(self) -> str:
        return self.key


Cell = str | Number | Mark | None


def cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    return cell.text()


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # in characters, for the spreadsheet; the PDF shares the page in proportion
    number: bool = False  # right-aligned


@dataclass(frozen=True)
class Group:
    title: str
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Document:
    organisation: str  # the municipality, on every page
    title: str
    details: list[tuple[str, str]]  # the title block: (label, value)
    columns: list[Column]
    groups: list[Group]
    generated_at: datetime
    group_title: str = "Group"  # the spreadsheet's and CSV's column for the group
    notes: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)

    def __post_init__(self) -> None:
        for group in self.groups:
            for row in group.rows:
                if len(row) != len(self.columns):
                    raise ValueError(
                        f"a row of {group.title!r} has {len(row)} cells for "
                        f"{len(self.columns)} columns"
                    )
