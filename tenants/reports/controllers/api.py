"""JSON API: /api/v1/t/{tenant_slug}/kpis/reports/… (file downloads)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.documents.formats import ExportFormat, attachment
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.kit.fields import quarter_query, year_query
from saypro.platform.kit.pages import Session, Tenant
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.reports import service
from saypro.tenants.reports.schemas import Included, SdbipFilters

READ = requires(Permission.KPIS_READ)
FORMATS = ", ".join(f"`{f.value}` ({f.media_type})" for f in ExportFormat)


class ReportApi(Controller):
    path = "/kpis/reports"
    tags = ["Reports"]

    @get(
        "/sdbip",
        summary="Download the SDBIP quarterly performance report (MFMA section 52)",
        description=(
            "Every indicator (or those feeding a framework or an item of it) at the end of "
            "a quarter: annual, quarter and year-to-date targets and actuals, status on the "
            "workspace's scale, reason for deviation, corrective measure, evidence and "
            "framework references, grouped by strategic objective. Formats: "
            f"{FORMATS}. The file name carries the municipality, year and quarter "
            "(`sdbip-<slug>-2026-27-q2.xlsx`). Each download is recorded on the audit "
            "trail. A framework or item that is not the municipality's is a 422."
        ),
        response_description="The report file, as an attachment",
        media_type="application/octet-stream",
        **READ,
    )
    async def sdbip(
        self,
        db_session: Session,
        tenant: Tenant,
        financial_year: Annotated[int, year_query("Financial year, 2026 = 2026/27")],
        quarter: Annotated[int, quarter_query("Q1 = July-September")],
        framework_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Only what feeds this framework")
        ] = None,
        item_id: Annotated[
            uuid.UUID | None,
            QueryParameter(description="Only what feeds this item of the framework"),
        ] = None,
        actuals: Annotated[
            Included,
            QueryParameter(description="`approved` only (default), or every `submitted` one"),
        ] = Included.APPROVED,
        format: Annotated[
            ExportFormat, QueryParameter(description="xlsx, pdf or csv")
        ] = ExportFormat.XLSX,
    ) -> Response[bytes]:
        filters = SdbipFilters(
            financial_year=financial_year,
            quarter=quarter,
            framework_id=framework_id,
            item_id=item_id,
            actuals=actuals,
            format=format,
        )
        return await download(db_session, tenant, filters)


async def download(
    db_session: AsyncSession, tenant: CurrentTenant, filters: SdbipFilters
) -> Response[bytes]:
    """The report file; its download goes on the audit trail in this transaction."""
    document = await service.sdbip_report(db_session, tenant, filters)
    response = attachment(
        document, filters.format, service.file_stem(tenant, filters), sheet_title="SDBIP"
    )
    service.record_export(db_session, filters, document.row_count)
    return response
