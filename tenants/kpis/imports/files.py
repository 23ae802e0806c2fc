"""The uploaded file: checked (size, name, the file's own leading bytes, UTF-8 for CSV),
kept under the municipality's directory until its run is done, and read as a table of
text cells with their spreadsheet row numbers (the header is row 1)."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from saypro.platform.errors import InvalidInput
from saypro.platform.privacy.storage import tenant_dir
from saypro.platform.settings import get_settings
from saypro.tenants.kpis.evidence import Upload
from saypro.tenants.kpis.imports.layouts import LAYOUTS, header_name
from saypro.tenants.kpis.imports.models import ImportKind

FOLDER = "imports"  # <SAYPRO_DATA_DIR>/tenants/<tenant_id>/imports/<run id>.<format>
ZIP = b"PK\x03\x04"
# Rows a file may hold: indicators are a workspace's list, actuals many years of it.
MAX_ROWS = {ImportKind.INDICATORS: 5_000, ImportKind.ACTUALS: 500_000}
# What a damaged workbook raises, on opening or part-way through its rows.
XLSX_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OSError,
)


@dataclass(frozen=True)
class CheckedFile:
    file_name: str
    file_format: str  # csv or xlsx
    content: bytes
    sha256: str


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells as text)


def check_upload(upload: Upload | None) -> CheckedFile:
    if upload is None:
        raise InvalidInput("choose a CSV or XLSX file to import", field="file")
    limit = get_settings().import_max_bytes
    if not upload.content:
        raise InvalidInput("the file is empty", field="file")
    if len(upload.content) > limit:
        raise InvalidInput(
            f"the file is larger than the limit of {limit // 1024:,} KiB", field="file"
        )
    name = upload.file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()[-200:] or "import"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "xlsx":
        if not upload.content.startswith(ZIP):
            raise InvalidInput("the file's content is not an Excel workbook (.xlsx)", field="file")
    elif suffix == "csv":
        _decode_csv(upload.content)
    else:
        raise InvalidInput(
            "only CSV (.csv) and Excel workbook (.xlsx) files are imported", field="file"
        )
    return CheckedFile(name, suffix, upload.content, hashlib.sha256(upload.content).hexdigest())


def _decode_csv(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            'a CSV file must be UTF-8 text (save it as "CSV UTF-8")', field="file"
        ) from None
    if "\x00" in text:
        raise InvalidInput("a CSV file must be UTF-8 text, not binary data", field="file")
    return text


def stored_path(run_id: uuid.UUID, file_format: str) -> str:
    return f"{FOLDER}/{uuid.UUID(str(run_id))}.{file_format}"


def absolute(tenant_id: uuid.UUID, relative: str) -> Path:
    return tenant_dir(tenant_id) / relative


def store(tenant_id: uuid.UUID, relative: str, content: bytes) -> None:
    target = absolute(tenant_id, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(content)
    partial.replace(target)


def remove(tenant_id: uuid.UUID, relative: str | None) -> None:
    if relative:
        absolute(tenant_id, relative).unlink(missing_ok=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # The shortest text that is the same double: 0.1, not 0.1000000000000000055…
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text.removesuffix(".0")
    return str(value).strip()


def _unreadable(exc: BaseException) -> InvalidInput:
    return InvalidInput(
        f"the file is not a readable Excel workbook ({type(exc).__name__})", field="file"
    )


def _xlsx_rows(content: bytes, width: int) -> Iterator[list[str]]:
    """The first sheet's rows, read as they are needed, at most ``width`` cells each. A
    broken workbook may only show itself part-way (a damaged zip member, bad XML)."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise _unreadable(exc) from None
    try:
        sheet = book.worksheets[0]
        if isinstance(sheet, ReadOnlyWorksheet):
            # The declared dimension (say A1:XFD1048576) is the file's claim, not its
            # content: trusted, it pads every row to it.
            sheet.reset_dimensions()
        for row in sheet.iter_rows(max_col=width, values_only=True):
            yield [_cell(v) for v in row]
    except XLSX_ERRORS as exc:
        raise _unreadable(exc) from None
    finally:
        book.close()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(_decode_csv(content), newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise InvalidInput(f"the CSV file cannot be read: {exc}", field="file") from None


def read_table(
    content: bytes, file_format: str, kind: ImportKind, *, header_only: bool = False
) -> Table:
    """The file's header and non-blank rows (only the header when ``header_only``); a
    file whose header does not fit the layout is refused as a whole (naming the
    columns), as is one without rows. Rows are read one by one, and reading stops at
    the first row over the limit."""
    # One column more than the layout has, so that a stray extra column is named.
    width = len(LAYOUTS[kind]) + 1
    raw = _xlsx_rows(content, width) if file_format == "xlsx" else _csv_rows(content)
    first = next(raw, None)
    if first is None or not any(cell.strip() for cell in first):
        raise InvalidInput("the file has no header row", field="file")
    header = [header_name(cell) for cell in first]
    while header and not header[-1]:
        header.pop()
    known = {c.name for c in LAYOUTS[kind]}
    unknown = [h or "(blank)" for h in header if h not in known]
    if unknown:
        raise InvalidInput(
            f"unknown column {', '.join(unknown)}; the {kind.value} layout has "
            f"{', '.join(c.name for c in LAYOUTS[kind] if c.required)} and optional columns "
            "(see the template)",
            field="file",
        )
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InvalidInput(f"column {', '.join(twice)} appears twice", field="file")
    missing = [c.name for c in LAYOUTS[kind] if c.required and c.name not in header]
    if missing:
        raise InvalidInput(f"the file has no column {', '.join(missing)}", field="file")
    rows: list[tuple[int, list[str]]] = []
    width = len(header)
    for number, cells in enumerate(raw, start=2):
        if not "".join(cells).strip():  # a blank row (the cheaper test: it runs per row)
            continue
        if header_only:
            return Table(header, [])  # the file has rows; the preview reads them
        if len(rows) >= MAX_ROWS[kind]:
            raise InvalidInput(
                f"the file has more than {MAX_ROWS[kind]:,} rows; split it", field="file"
            )
        padded = (cells + [""] * width)[:width]
        rows.append((number, [c.strip() for c in padded]))
    if not rows:
        raise InvalidInput("the file has a header but no rows", field="file")
    return Table(header, rows)
