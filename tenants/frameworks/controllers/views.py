"""What the frameworks API and pages share: parameter types, read models, rendering."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.documents.formats import ExportFormat, attachment
from saypro.platform.kit.fields import quarter_query, year_query
from saypro.platform.kit.pages import Renderer
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.frameworks import export, service
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind
from saypro.tenants.frameworks.schemas import (
    FrameworkRead,
    IndicatorRef,
    ItemRead,
    Report,
    ReportRow,
    StatusRef,
)

FrameworkId = FromPath[uuid.UUID]
ItemId = FromPath[uuid.UUID]
IndicatorId = FromPath[uuid.UUID]

YEAR_DESCRIPTION = "Financial year, 2026 = 2026/27"
QUARTER_DESCRIPTION = "Quarter, Q1 = Jul-Sep"

# Kinds a municipality may create; the reference lists come with the workspace.
CREATABLE_KINDS = [kind for kind in FrameworkKind if not kind.is_reference]


def framework_read(framework: Framework, item_count: int = 0) -> FrameworkRead:
    return FrameworkRead(
        id=framework.id,
        kind=framework.kind,
        name=framework.name,
        description=framework.description,
        reference=framework.kind.is_reference,
        item_count=item_count,
        created_at=framework.created_at,
        updated_at=framework.updated_at,
    )


def item_read(item: FrameworkItem, depth: int = 0, indicator_count: int = 0) -> ItemRead:
    return ItemRead(
        id=item.id,
        framework_id=item.framework_id,
        parent_id=item.parent_id,
        code=item.code,
        title=item.title,
        description=item.description,
        depth=depth,
        indicator_count=indicator_count,
    )


def indicator_ref(indicator: Any) -> IndicatorRef:
    return IndicatorRef(
        id=indicator.id, code=indicator.code, name=indicator.name, unit=str(indicator.unit)
    )


def report_read(result: service.ReportResult) -> Report:
    return Report(
        framework=framework_read(result.framework),
        item=item_read(result.item) if result.item else None,
        financial_year=result.financial_year,
        financial_year_label=result.financial_year_label,
        quarter=result.quarter,
        rows=[
            ReportRow(
                indicator=indicator_ref(line.indicator),
                items=line.item_codes,
                target=line.target,
                actual=line.actual,
                status=StatusRef(
                    key=line.status.key,
                    label=line.status.label,
                    colour=line.status.colour,
                    achievement=line.status.achievement,
                )
                if line.status is not None
                else None,
            )
            for line in result.lines
        ],
    )


def frameworks_url(
    tenant: CurrentTenant, framework_id: uuid.UUID | None = None, item_id: uuid.UUID | None = None
) -> str:
    url = f"/t/{tenant.slug}/frameworks"
    if framework_id:
        url += f"/{framework_id}"
        if item_id:
            url += f"/items/{item_id}"
    return url


render = Renderer(choices={"kind_options": [(k.value, k.label) for k in CREATABLE_KINDS]})


@dataclass(frozen=True)
class ExportQuery:
    financial_year: int | None
    quarter: int | None
    format: ExportFormat


def provide_export_query(
    financial_year: Annotated[int | None, year_query(YEAR_DESCRIPTION)] = None,
    quarter: Annotated[int | None, quarter_query(QUARTER_DESCRIPTION)] = None,
    format: Annotated[
        ExportFormat, QueryParameter(description="xlsx (default), csv or pdf")
    ] = ExportFormat.XLSX,
) -> ExportQuery:
    """The query of every report download, API and pages alike."""
    return ExportQuery(financial_year, quarter, format)


Export = NamedDependency[ExportQuery]
EXPORT_DEPENDENCIES = {"export_query": Provide(provide_export_query, sync_to_thread=False)}


async def export_response(
    db_session: AsyncSession,
    tenant: CurrentTenant,
    framework_id: uuid.UUID,
    item_id: uuid.UUID | None,
    query: ExportQuery,
) -> Response[bytes]:
    """The report of what feeds a framework or an item as a file; the download is
    recorded on the audit trail in the request's transaction."""
    result = await service.report(
        db_session,
        framework_id,
        item_id,
        financial_year=query.financial_year,
        quarter=query.quarter,
    )
    document = export.document(result, tenant.name)
    response = attachment(
        document, query.format, export.file_stem(tenant.slug, result), sheet_title="Feeds"
    )
    export.record_export(db_session, result, query.format, document.row_count)
    return response
