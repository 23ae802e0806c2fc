"""The report of what feeds a framework or an item, as a document to download (XLSX,
CSV or PDF, written from the same rows), and its record on the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.clock import SAST
from saypro.platform.documents.formats import ExportFormat
from saypro.platform.documents.model import Cell, Column, Document, Group, Mark, Number
from saypro.tenants.frameworks.service import ReportResult

COLUMNS = [
    Column("Code", 10),
    Column("Indicator", 40),
    Column("Unit", 10),
    Column("Feeds", 18),
    Column("Target year to date", 13, number=True),
    Column("Actual year to date", 13, number=True),
    Column("Status", 8),
    Column("Status meaning", 26),
]


def subject(result: ReportResult) -> str:
    if result.item is None:
        return result.framework.name
    return f"{result.framework.name} {result.item.code} ({result.item.title})"


def document(result: ReportResult, organisation: str, *, now: datetime | None = None) -> Document:
    generated = (now or datetime.now(SAST)).astimezone(SAST)
    rows: list[list[Cell]] = []
    for line in result.lines:
        places = line.indicator.decimal_places
        rows.append(
            [
                line.indicator.code,
                line.indicator.name,
                str(line.indicator.unit),
                ", ".join(line.item_codes),
                None if line.target is None else Number(line.target, places),
                None if line.actual is None else Number(line.actual, places),
                Mark(line.status.key, line.status.label, line.status.colour),
                line.status.label,
            ]
        )
    return Document(
        organisation=organisation,
        title=f"What feeds {subject(result)}",
        details=[
            ("Municipality", organisation),
            ("Framework", result.framework.name),
            ("Item", f"{result.item.code} {result.item.title}" if result.item else "all items"),
            ("Financial year", result.financial_year_label),
            ("Quarter", f"Q{result.quarter}, year to date"),
            ("Generated", generated.strftime("%Y-%m-%d %H:%M SAST")),
        ],
        columns=COLUMNS,
        groups=[Group("", rows)],
        generated_at=generated,
        group_title="Group",
    )


def file_stem(slug: str, result: ReportResult) -> str:
    what = result.item.code if result.item else result.framework.name
    year = result.financial_year
    return f"framework-{slug}-{what}-{year}-{(year + 1) % 100:02d}-q{result.quarter}"


def record_export(
    session: AsyncSession, result: ReportResult, fmt: ExportFormat, rows: int
) -> None:
    audit.record(
        session,
        "frameworks.report.exported",
        entity_type="framework",
        entity_id=result.framework.id,
        after={
            "report": "framework_feeds",
            "format": fmt.value,
            "rows": rows,
            "framework": result.framework.name,
            "item_id": str(result.item.id) if result.item else None,
            "item": result.item.code if result.item else None,
            "financial_year": result.financial_year,
            "quarter": result.quarter,
        },
    )
