"""Web pages: /t/{tenant_slug}/kpis/reports — the filters of the SDBIP quarterly report
and its downloads. Filters are validated with the API's model; a refused filter comes
back on the page (422) with its message, and nothing is recorded."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.errors import InvalidInput
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.kit.pages import (
    UNPROCESSABLE,
    Renderer,
    Session,
    Tenant,
    form_error,
    validate_form,
)
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.frameworks import service as frameworks
from saypro.tenants.kpis import service as kpis
from saypro.tenants.reports.controllers.api import download
from saypro.tenants.reports.schemas import SdbipFilters

READ = requires(Permission.KPIS_READ)


async def _framework_options(db_session: AsyncSession, _tenant: CurrentTenant) -> dict[str, Any]:
    rows = await frameworks.list_frameworks(db_session)
    return {"framework_options": [(f.id, f.name) for f, _count in rows]}


render = Renderer(providers=(_framework_options,))


async def _page(
    db_session: AsyncSession,
    tenant: CurrentTenant,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    year, quarter = kpis.quarter_containing(today_sast())
    values = {"financial_year": year, "quarter": quarter, **values}
    return await render(
        "reports/index.html",
        db_session,
        tenant,
        values=values,
        errors=errors or {},
        status_code=status_code,
    )


def _query(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {key: request.query_params.get(key) for key in request.query_params}


class ReportPages(Controller):
    path = "/kpis/reports"
    include_in_schema = False

    @get("/", name="reports:index", **READ)
    async def index(
        self, request: Request[Any, Any, Any], db_session: Session, tenant: Tenant
    ) -> Template:
        return await _page(db_session, tenant, _query(request))

    @get("/sdbip", name="reports:sdbip", **READ)
    async def sdbip(
        self, request: Request[Any, Any, Any], db_session: Session, tenant: Tenant
    ) -> Response[bytes] | Template:
        values = _query(request)
        filters, errors = validate_form(SdbipFilters, values)
        if filters is not None:
            try:
                return await download(db_session, tenant, filters)
            except InvalidInput as exc:
                errors = form_error(exc)
        return await _page(db_session, tenant, values, errors=errors, status_code=UNPROCESSABLE)
