"""Import pages: /t/{tenant_slug}/kpis/imports — upload a file, see its preview with the
errors of every row, commit it, and watch the progress (htmx polls the progress part;
without JavaScript the page's own refresh link does the same)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, MultipartBody, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import DomainError, NotFound
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import UNPROCESSABLE
from saypro.tenants.kpis.controllers.import_api import (
    IMPORT_BODY_LIMIT,
    form_flag,
    form_kind,
    template_response,
)
from saypro.tenants.kpis.controllers.views import (
    PrincipalRequest,
    Session,
    Tenant,
    uploaded_file,
)
from saypro.tenants.kpis.imports import runs
from saypro.tenants.kpis.imports.layouts import LAYOUTS
from saypro.tenants.kpis.imports.models import RUNNING, ImportKind, ImportRun

WRITE = requires(Permission.KPIS_WRITE)


def _context(tenant: CurrentTenant, **extra: Any) -> dict[str, Any]:
    return {"tenant": tenant, "layouts": LAYOUTS, "running": RUNNING, **extra}


class ImportPages(Controller):
    path = "/kpis/imports"
    include_in_schema = False

    async def _list(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        rows, _total = await runs.list_runs(db_session, limit=20)
        return Template(
            "kpis/imports.html",
            context=_context(tenant, runs=rows, errors=errors or {}, values=values or {}),
            status_code=status_code,
        )

    @get("/", name="kpis:imports", **WRITE)
    async def list_page(self, db_session: Session, tenant: Tenant) -> Template:
        return await self._list(db_session, tenant)

    @get("/template", **WRITE)
    async def template(
        self,
        kind: Annotated[ImportKind, QueryParameter()],
        file_format: Annotated[str, QueryParameter(name="format", pattern="^(csv|xlsx)$")] = "csv",
    ) -> Response[bytes]:
        return template_response(kind, file_format)

    @post("/", request_max_body_size=IMPORT_BODY_LIMIT, **WRITE)
    async def upload(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        data: MultipartBody[dict[str, Any]],
    ) -> Template | Redirect:
        values = {"kind": str(data.get("kind") or ""), "submit": str(data.get("submit") or "")}
        try:
            async with db_session.begin_nested():
                run = await runs.start(
                    db_session,
                    request.user.user_id,
                    form_kind(data),
                    await uploaded_file(data),
                    submit=form_flag(data, "submit"),
                )
        except NotFound:
            raise
        except DomainError as exc:
            return await self._list(
                db_session,
                tenant,
                errors={exc.field or "file": exc.message},
                values=values,
                status_code=UNPROCESSABLE,
            )
        return Redirect(path=f"/t/{tenant.slug}/kpis/imports/{run.id}")

    @get("/{import_id:uuid}", **WRITE)
    async def run_page(
        self, db_session: Session, tenant: Tenant, import_id: FromPath[uuid.UUID]
    ) -> Template:
        run = await runs.get_run(db_session, import_id)
        return Template("kpis/import_run.html", context=_context(tenant, run=run, errors={}))

    @get("/{import_id:uuid}/progress", **WRITE)
    async def progress(
        self, db_session: Session, tenant: Tenant, import_id: FromPath[uuid.UUID]
    ) -> Template:
        run = await runs.get_run(db_session, import_id)
        return Template("kpis/_import_progress.html", context=_context(tenant, run=run))

    @post("/{import_id:uuid}/commit", **WRITE)
    async def commit(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        import_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        try:
            async with db_session.begin_nested():
                await runs.request_commit(db_session, import_id, request.user.user_id)
        except NotFound:
            raise
        except DomainError as exc:
            run: ImportRun = await runs.get_run(db_session, import_id)
            return Template(
                "kpis/import_run.html",
                context=_context(tenant, run=run, errors={exc.field or "file": exc.message}),
                status_code=exc.status_code,
            )
        return Redirect(path=f"/t/{tenant.slug}/kpis/imports/{import_id}")
