"""The SDBIP quarterly performance report (the shape of a section 52 report of the
MFMA): per indicator the annual target, the quarter's own and year-to-date target and
actual, the status on the workspace's scale, the reason for a deviation, the corrective
measure, the evidence and the framework items it feeds, grouped by strategic objective.

The report is built once as typed rows (:class:`~saypro.platform.documents.model.Document`)
and written to XLSX, PDF or CSV from them, so the formats cannot disagree. Every
download is recorded on the municipality's audit trail in the request's transaction.
Reading is a fixed number of queries however many indicators there are.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.clock import SAST
from saypro.platform.documents.model import Cell as DocumentCell
from saypro.platform.documents.model import Column, Document, Group, Mark, Number
from saypro.platform.errors import InvalidInput
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.tenancy.directory import get_tenant
from saypro.tenants.frameworks import service as frameworks
from saypro.tenants.kpis import service as kpis
from saypro.tenants.reports.schemas import Included, SdbipFilters
from saypro.tenants.strategy import service as strategy

TITLE = "SDBIP quarterly performance report (MFMA section 52)"
NOT_LINKED = "Not linked to a strategic objective"
UNITS = {
    "number": "number",
    "percentage": "%",
    "rand": "R",
    "days": "days",
    "yes_no": "yes (1) / no (0)",
}
QUARTER_MONTHS = {1: "July–September", 2: "October–December", 3: "January–March", 4: "April–June"}
INCLUDED = {
    Included.APPROVED: (
        "approved actuals only (an actual submitted but not yet approved counts as not reported)"
    ),
    Included.SUBMITTED: (
        "all submitted actuals, approved or awaiting review (the State column shows which)"
    ),
}


def _number(value: Decimal | None, places: int) -> Number | None:
    return None if value is None else Number(value, places)


def _quarter_label(year: int, quarter: int) -> str:
    calendar_year = year if quarter <= 2 else year + 1
    return f"Q{quarter} ({QUARTER_MONTHS[quarter]} {calendar_year})"


def columns(included: Included) -> list[Column]:
    shown = [
        Column("Code", 9),
        Column("Indicator", 32),
        Column("Unit", 8),
        Column("Annual target", 11, number=True),
        Column("Quarter target", 11, number=True),
        Column("Quarter actual", 11, number=True),
        Column("Target year to date", 11, number=True),
        Column("Actual year to date", 11, number=True),
        Column("Status", 7),
        Column("Status meaning", 18),
    ]
    if included is Included.SUBMITTED:
        shown.append(Column("State", 10))
    return [
        *shown,
        Column("Reason for deviation", 28),
        Column("Corrective measure", 28),
        Column("Evidence", 26),
        Column("Framework references", 28),
    ]


async def sdbip_report(
    session: AsyncSession,
    tenant: CurrentTenant,
    filters: SdbipFilters,
    *,
    now: datetime | None = None,
) -> Document:
    """The report as typed rows. A framework or item of another municipality is bad
    input (422 naming the filter), and so is an item without its framework."""
    kpis.check_quarter(filters.financial_year, filters.quarter)
    if filters.item_id is not None and filters.framework_id is None:
        raise InvalidInput("choose the framework of the item too", field="framework_id")
    scope = (
        await frameworks.scope(session, filters.framework_id, filters.item_id)
        if filters.framework_id is not None
        else None
    )
    lines = await kpis.quarter_report(
        session,
        filters.financial_year,
        filters.quarter,
        indicator_ids=scope.indicator_ids if scope is not None else None,
        approved_only=filters.actuals is Included.APPROVED,
        submitted_only=filters.actuals is Included.SUBMITTED,
    )
    references = await frameworks.references(session, [line.indicator.id for line in lines])
    objectives = await strategy.objective_labels(session)
    groups: dict[uuid.UUID | None, list[list[DocumentCell]]] = {}
    for line in lines:
        indicator = line.indicator
        places = indicator.decimal_places
        group = next((o for o in line.objective_ids if o in objectives), None)
        row: list[DocumentCell] = [
            indicator.code,
            indicator.name,
            UNITS.get(str(indicator.unit), str(indicator.unit)),
            _number(line.annual_target, places),
            _number(line.quarter_target, places),
            _number(line.quarter_actual, places),
            _number(line.ytd_target, places),
            _number(line.ytd_actual, places),
            Mark(line.status.key, line.status.label, line.status.colour),
            line.status.label,
        ]
        if filters.actuals is Included.SUBMITTED:
            row.append(line.state.value if line.state else "")
        row += [
            line.deviation_reason,
            line.corrective_measure,
            "\n".join(f"{e.file_name} ({e.id})" for e in line.evidence),
            "; ".join(references.get(indicator.id, [])),
        ]
        groups.setdefault(group, []).append(row)
    ordered = [o for o in objectives if o in groups] + ([None] if None in groups else [])
    registered = await get_tenant(session, tenant.id)
    generated = (now or datetime.now(SAST)).astimezone(SAST)
    year = kpis.check_quarter(filters.financial_year, filters.quarter)
    return Document(
        organisation=tenant.name,
        title=TITLE,
        details=[
            ("Municipality", tenant.name),
            ("Demarcation code", registered.demarcation_code),
            ("Financial year", year.label),
            ("Quarter", _quarter_label(filters.financial_year, filters.quarter)),
            ("Indicators", scope.label if scope is not None else "all indicators"),
            ("Actuals included", INCLUDED[filters.actuals]),
            ("Generated", generated.strftime("%Y-%m-%d %H:%M SAST")),
        ],
        columns=columns(filters.actuals),
        groups=[
            Group(objectives[key] if key is not None else NOT_LINKED, groups[key])
            for key in ordered
        ],
        generated_at=generated,
        group_title="Strategic objective",
        notes=[
            "Year to date follows each indicator's target type: cumulative indicators add "
            "up their periods, per-period indicators average them, carry-over indicators "
            "show the latest level. Status is of the year to date at the end of the quarter."
        ],
    )


def file_stem(tenant: CurrentTenant, filters: SdbipFilters) -> str:
    year = filters.financial_year
    return f"sdbip-{tenant.slug}-{year}-{(year + 1) % 100:02d}-q{filters.quarter}"


def record_export(session: AsyncSession, filters: SdbipFilters, rows: int) -> None:
    """The download on the audit trail (who is on the session): which report, with
    which filters, in which format, how many rows."""
    audit.record(
        session,
        "reports.sdbip.exported",
        entity_type="report",
        entity_id=None,
        after={
            "report": "sdbip_quarterly",
            "format": filters.format.value,
            "rows": rows,
            "financial_year": filters.financial_year,
            "quarter": filters.quarter,
            "framework_id": str(filters.framework_id) if filters.framework_id else None,
            "item_id": str(filters.item_id) if filters.item_id else None,
            "actuals": filters.actuals.value,
        },
    )
