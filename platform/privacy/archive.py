"""Writing a municipality's full export: every tenant table and the municipality's own
rows of the platform-wide tables, as JSON and CSV, plus its attachments, in one zip.

Layout of the archive::

    manifest.json            what is inside: tables, row counts, excluded columns
    json/<table>.json        one JSON array of row objects per table
    csv/<table>.csv          the same rows, with a header line
    attachments/<path>       the files under the tenant's attachments directory

Rows are streamed from the database (never all held in memory); the CSV copy of a
table is spooled to a temporary file while its JSON entry is written.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from saypro.platform.documents.text import inert
from saypro.platform.privacy import catalog
from saypro.platform.privacy.storage import attachments_dir

Progress = Callable[[int, str], None]
BATCH = 1000

# The municipality's own rows of platform-wide tables (how each is selected).
_PLATFORM_SOURCES: dict[str, str] = {
    "tenants": "id = :tenant",
    "memberships": "tenant_id = :tenant",
    "consultant_assignments": "tenant_id = :tenant",
    # Members and the consultants assigned here: the people the other tables point at.
    "users": (
        "id IN (SELECT user_id FROM memberships WHERE tenant_id = :tenant "
        "UNION SELECT user_id FROM consultant_assignments WHERE tenant_id = :tenant)"
    ),
}


@dataclass(frozen=True)
class Source:
    name: str
    scope: str  # "tenant" or "platform"
    columns: catalog.TableColumns
    where: str

    def select(self, what: str | None = None) -> str:
        columns = what or ", ".join(catalog.quote(c) for c in self.columns.columns)
        order = " ORDER BY id" if "id" in self.columns.columns and what is None else ""
        # Table and column names come from the catalog and are checked by quote().
        return f"SELECT {columns} FROM {catalog.quote(self.name)} WHERE {self.where}{order}"  # noqa: S608


@dataclass
class ArchiveSummary:
    tables: list[dict[str, Any]] = field(default_factory=list)
    attachments: int = 0

    @property
    def rows(self) -> int:
        return sum(int(t["rows"]) for t in self.tables)


def json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Text users wrote (an indicator name, a reason for deviation) must not run as a
        # formula when the CSV is opened in a spreadsheet; the JSON copy keeps it exact.
        return inert(value)
    return str(json_value(value))


def sources(session: Session) -> list[Source]:
    """What goes into the export, in order: tenant tables, then platform-wide rows."""
    found = [
        Source(name, "tenant", catalog.exportable_columns(session, name), "tenant_id = :tenant")
        for name in catalog.tenant_tables(session)
    ]
    for name, where in _PLATFORM_SOURCES.items():
        found.append(Source(name, "platform", catalog.exportable_columns(session, name), where))
    return found


def _attachments(tenant_id: uuid.UUID) -> list[Path]:
    root = attachments_dir(tenant_id)
    if not root.is_dir():
        return []
    # Symbolic links are skipped: an export never reaches outside the tenant's directory.
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _rows(session: Session, source: Source, tenant_id: uuid.UUID) -> Iterator[RowMapping]:
    result = session.execute(
        text(source.select()).execution_options(yield_per=BATCH), {"tenant": tenant_id}
    )
    yield from result.mappings()


def write_archive(
    session: Session,
    tenant_id: uuid.UUID,
    target: IO[bytes],
    *,
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Write the export of the tenant bound to ``session`` into ``target`` (a binary file)."""
    report = progress or (lambda _percent, _table: None)
    found = sources(session)
    counts = {
        s.name: int(
            session.scalar(text(f"SELECT count(*) FROM ({s.select('1')}) q"), {"tenant": tenant_id})  # noqa: S608
            or 0
        )
        for s in found
    }
    files = _attachments(tenant_id)
    total = max(1, sum(counts.values()) + len(files))
    done = 0
    summary = ArchiveSummary()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source in found:
            base = done

            def rows_written(rows: int, name: str = source.name, start: int = base) -> None:
                # Within a large table too, so the bar moves (unchanged percents are skipped).
                report(min(99, (start + rows) * 100 // total), name)

            rows_written(0)
            written = _write_table(session, archive, source, tenant_id, rows_written)
            done += written
            summary.tables.append(
                {
                    "name": source.name,
                    "scope": source.scope,
                    "rows": written,
                    "columns": list(source.columns.columns),
                    "excluded_columns": list(source.columns.excluded),
                }
            )
        root = attachments_dir(tenant_id)
        for path in files:
            report(min(99, done * 100 // total), "attachments")
            archive.write(path, f"attachments/{path.relative_to(root).as_posix()}")
            done += 1
        summary.attachments = len(files)
        manifest = _manifest(session, tenant_id, summary)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    report(100, "")
    return summary


PROGRESS_EVERY_ROWS = 1000


def _write_table(
    session: Session,
    archive: zipfile.ZipFile,
    source: Source,
    tenant_id: uuid.UUID,
    rows_written: Callable[[int], None],
) -> int:
    columns: Sequence[str] = source.columns.columns
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as spool:
        csv_text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        writer = csv.writer(csv_text)
        writer.writerow(columns)
        with archive.open(f"json/{source.name}.json", "w") as entry:
            entry.write(b"[")
            for row in _rows(session, source, tenant_id):
                record = {c: json_value(row[c]) for c in columns}
                separator = b",\n" if count else b"\n"
                entry.write(separator + json.dumps(record, ensure_ascii=False).encode())
                writer.writerow([csv_value(row[c]) for c in columns])
                count += 1
                if count % PROGRESS_EVERY_ROWS == 0:
                    rows_written(count)
            entry.write(b"\n]\n")
        csv_text.flush()
        spool.seek(0)
        with archive.open(f"csv/{source.name}.csv", "w") as entry:
            shutil.copyfileobj(spool, entry)
        csv_text.detach()
    return count


def _manifest(session: Session, tenant_id: uuid.UUID, summary: ArchiveSummary) -> dict[str, Any]:
    tenant = (
        session.execute(
            text("SELECT id, slug, name, demarcation_code FROM tenants WHERE id = :tenant"),
            {"tenant": tenant_id},
        )
        .mappings()
        .one()
    )
    return {
        "format": "saypro-tenant-export/1",
        "generated_at": datetime.now(UTC).isoformat(),
        "municipality": {k: json_value(v) for k, v in tenant.items()},
        "tables": summary.tables,
        "attachments": summary.attachments,
        "notes": (
            "Every table holding this municipality's data, as JSON (json/) and CSV (csv/). "
            "Columns holding password hashes or encrypted secrets are left out "
            "(excluded_columns); see docs/privacy.md."
        ),
    }
