"""JSON API of imports: /api/v1/t/{tenant_slug}/kpis/imports/…"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import InvalidInput
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.tenants.kpis.controllers.views import PrincipalRequest, uploaded_file
from saypro.tenants.kpis.imports import runs
from saypro.tenants.kpis.imports import tasks as _tasks  # noqa: F401 - registers the jobs
from saypro.tenants.kpis.imports.layouts import template_csv, template_xlsx
from saypro.tenants.kpis.imports.models import ImportKind
from saypro.tenants.kpis.imports.schemas import ImportRunRead
from saypro.tenants.kpis.schemas import Page

WRITE = requires(Permission.KPIS_WRITE)
# The request ceiling; IMPORT_MAX_BYTES (at most 200 MiB) is checked with a clear message.
IMPORT_BODY_LIMIT = 201 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_response(kind: ImportKind, file_format: str) -> Response[bytes]:
    if file_format == "xlsx":
        body, media = template_xlsx(kind), XLSX
    else:
        body, media = template_csv(kind), "text/csv; charset=utf-8"
    name = f"kpi-{kind.value}-template.{file_format}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def form_kind(form: dict[str, Any]) -> ImportKind:
    raw = form.get("kind")
    raw = raw[-1] if isinstance(raw, list) and raw else raw
    try:
        return ImportKind(str(raw or ""))
    except ValueError:
        raise InvalidInput("choose indicators or actuals", field="kind") from None


def form_flag(form: dict[str, Any], name: str) -> bool:
    raw = form.get(name)
    raw = raw[-1] if isinstance(raw, list) and raw else raw
    return str(raw or "").lower() in ("1", "true", "on", "yes")


class ImportApi(Controller):
    path = "/kpis/imports"
    tags = ["KPI imports"]

    @get("/", summary="List imports, newest first", **WRITE)
    async def list_imports(
        self,
        db_session: NamedDependency[AsyncSession],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> Page[ImportRunRead]:
        rows, total = await runs.list_runs(db_session, limit=limit, offset=offset)
        return Page(
            items=[ImportRunRead.model_validate(r) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    @get(
        "/template",
        summary="A template file: ?kind=indicators|actuals&format=csv|xlsx",
        media_type="application/octet-stream",
        **WRITE,
    )
    async def template(
        self,
        kind: Annotated[ImportKind, QueryParameter()],
        file_format: Annotated[str, QueryParameter(name="format", pattern="^(csv|xlsx)$")] = "csv",
    ) -> Response[bytes]:
        return template_response(kind, file_format)

    @post(
        "/",
        summary="Upload a CSV or XLSX file (multipart: file, kind, submit) and preview it",
        description="Small files are previewed at once; larger ones by a job (poll the run).",
        status_code=HTTP_201_CREATED,
        request_max_body_size=IMPORT_BODY_LIMIT,
        **WRITE,
    )
    async def upload(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        data: MultipartBody[dict[str, Any]],
    ) -> ImportRunRead:
        run = await runs.start(
            db_session,
            request.user.user_id,
            form_kind(data),
            await uploaded_file(data),
            submit=form_flag(data, "submit"),
        )
        return ImportRunRead.model_validate(run)

    @get("/{import_id:uuid}", summary="One import: status, progress, errors", **WRITE)
    async def get_import(
        self, db_session: NamedDependency[AsyncSession], import_id: FromPath[uuid.UUID]
    ) -> ImportRunRead:
        return ImportRunRead.model_validate(await runs.get_run(db_session, import_id))

    @post(
        "/{import_id:uuid}/commit",
        summary="Write every row of a previewed file, or none (asking twice imports once)",
        status_code=HTTP_202_ACCEPTED,
        **WRITE,
    )
    async def commit(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        import_id: FromPath[uuid.UUID],
    ) -> ImportRunRead:
        run = await runs.request_commit(db_session, import_id, request.user.user_id)
        return ImportRunRead.model_validate(run)
