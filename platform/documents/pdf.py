"""A document as a landscape A4 PDF: the title block on the first page, one table whose
header row repeats on every page, long text wrapped in its cell (a row taller than a
page continues on the next), group headings as full-width rows, status cells coloured,
and on every page the municipality, the report's title and "page X of Y"."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from saypro.platform.documents.colours import fill_of
from saypro.platform.documents.model import Cell, Document, Mark, Number, cell_text
from saypro.platform.documents.text import printable

PAGE = landscape(A4)
MARGIN = 12 * mm
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("cell", parent=STYLES["BodyText"], fontSize=7, leading=8.5)
NUMBER = ParagraphStyle("number", parent=BODY, alignment=TA_RIGHT)
HEADER = ParagraphStyle("header", parent=BODY, fontName="Helvetica-Bold", textColor=colors.white)
GROUP = ParagraphStyle("group", parent=BODY, fontName="Helvetica-Bold", fontSize=8)
HEADER_FILL = colors.HexColor("#1F3864")


def _numbered_canvas(document: Document) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so that each can say how many
    pages there are."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            width, height = PAGE
            self.setFont("Helvetica-Bold", 8)
            self.drawString(MARGIN, height - 8 * mm, printable(document.organisation))
            self.setFont("Helvetica", 8)
            self.drawRightString(width - MARGIN, height - 8 * mm, printable(document.title))
            self.drawString(
                MARGIN,
                7 * mm,
                "Generated " + document.generated_at.strftime("%Y-%m-%d %H:%M SAST"),
            )
            self.drawRightString(width - MARGIN, 7 * mm, f"page {self.getPageNumber()} of {total}")

    return NumberedCanvas


def _markup(text: str) -> str:
    """Text as Paragraph markup: the user's ``<``, ``>`` and ``&`` shown, not read as
    tags; control characters (no glyph in the font) removed; line breaks kept."""
    return escape(printable(text)).replace("\n", "<br/>")


def _paragraph(cell: Cell) -> Paragraph:
    style = NUMBER if isinstance(cell, Number) else BODY
    text = _markup(cell_text(cell))
    if isinstance(cell, Mark):
        text = f"<b>{text}</b>"
    return Paragraph(text, style)


def to_pdf(document: Document) -> bytes:
    buffer = io.BytesIO()
    frame_width = PAGE[0] - 2 * MARGIN
    total_width = sum(c.width for c in document.columns)
    widths = [frame_width * c.width / total_width for c in document.columns]
    story: list[Any] = [
        Paragraph(_markup(document.organisation), STYLES["Title"]),
        Paragraph(_markup(document.title), STYLES["Heading2"]),
    ]
    for label, value in document.details:
        story.append(Paragraph(f"<b>{_markup(label)}:</b> {_markup(value)}", STYLES["BodyText"]))
    for note in document.notes:
        story.append(Paragraph(_markup(note), STYLES["BodyText"]))
    story.append(Spacer(1, 4 * mm))

    data: list[list[Any]] = [[Paragraph(_markup(c.title), HEADER) for c in document.columns]]
    style: list[Any] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#A6A6A6")),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    for group in document.groups:
        if group.title:
            row = len(data)
            data.append([Paragraph(_markup(group.title), GROUP)] + [""] * (len(widths) - 1))
            style += [
                ("SPAN", (0, row), (-1, row)),
                ("BACKGROUND", (0, row), (-1, row), colors.HexColor("#D9E1F2")),
            ]
        for cells in group.rows:
            row = len(data)
            data.append([_paragraph(cell) for cell in cells])
            for column, cell in enumerate(cells):
                if isinstance(cell, Mark):
                    fill = colors.HexColor("#" + fill_of(cell.colour))
                    style.append(("BACKGROUND", (column, row), (column, row), fill))
    if len(data) == 1:
        data.append(
            [Paragraph("No indicators match these filters.", BODY)] + [""] * (len(widths) - 1)
        )
        style.append(("SPAN", (0, 1), (-1, 1)))
    # splitInRow lets a row taller than a page (a long reason for deviation) continue on
    # the next page; reportlab still moves a row that fits whole to the next page first.
    # The value is the least height, in points, of either part of a split row.
    table = LongTable(data, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle(style))
    story.append(table)
    template = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=document.title,
        author=document.organisation,
    )
    template.build(story, canvasmaker=_numbered_canvas(document))
    return buffer.getvalue()
