"""The formats a document is downloaded in, and the download response."""

from __future__ import annotations

import enum
import re

from litestar import Response

from saypro.platform.documents.delimited import to_csv
from saypro.platform.documents.model import Document
from saypro.platform.documents.pdf import to_pdf
from saypro.platform.documents.xlsx import to_xlsx

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ExportFormat(enum.StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        return {
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pdf": "application/pdf",
            "csv": "text/csv",  # the response adds "; charset=utf-8"
        }[self.value]


def write(document: Document, fmt: ExportFormat, *, sheet_title: str = "Report") -> bytes:
    if fmt is ExportFormat.XLSX:
        return to_xlsx(document, sheet_title=sheet_title)
    if fmt is ExportFormat.PDF:
        return to_pdf(document)
    return to_csv(document)


def file_name(stem: str, fmt: ExportFormat) -> str:
    """A file name safe in a Content-Disposition header: letters, digits, . _ - only."""
    return f"{UNSAFE.sub('-', stem).strip('-') or 'report'}.{fmt.value}"


def attachment(document: Document, fmt: ExportFormat, stem: str, **options: str) -> Response[bytes]:
    return Response(
        write(document, fmt, **options),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file_name(stem, fmt)}"'},
    )
