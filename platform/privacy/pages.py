"""Exports pages: /t/{tenant_slug}/exports — full exports with live progress, downloads
for a limited time, and person reports. Tenant admins only (``data.export``)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import SAST
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.privacy import exports, person
from saypro.platform.privacy import tasks as _tasks  # noqa: F401 - registers the export job
from saypro.platform.privacy.models import DataExport
from saypro.platform.settings import get_settings
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import attempt

EXPORT = requires(Permission.DATA_EXPORT)
Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
ExportId = FromPath[uuid.UUID]
UserId = FromPath[uuid.UUID]
GONE = 410


def _context(tenant: CurrentTenant, **extra: Any) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "sast": SAST,
        "now": datetime.now(UTC),
        "downloadable": exports.is_downloadable,
        "retention_hours": get_settings().export_retention_hours,
        **extra,
    }


class ExportPages(Controller):
    path = "/exports"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "privacy/exports.html",
            context=_context(
                tenant,
                exports=await exports.list_exports(db_session),
                people=await person.people(db_session),
                error=error,
            ),
            status_code=status_code,
        )

    @get("/", name="privacy:exports", **EXPORT)
    async def list_page(self, db_session: Session, tenant: Tenant) -> Template:
        return await self._page(db_session, tenant)

    @post("/", **EXPORT)
    async def request_export(self, db_session: Session, tenant: Tenant) -> Template | Redirect:
        _, refused = await attempt(db_session, lambda: exports.request_export(db_session))
        if refused:
            return await self._page(
                db_session, tenant, error="; ".join(refused.values()), status_code=409
            )
        return Redirect(path=f"/t/{tenant.slug}/exports/")

    @get("/{export_id:uuid}/progress", **EXPORT)
    async def progress(self, db_session: Session, tenant: Tenant, export_id: ExportId) -> Template:
        export = await exports.get_export(db_session, export_id)
        return Template("privacy/_export_row.html", context=_context(tenant, export=export))

    @get("/{export_id:uuid}/download", **EXPORT)
    async def download(
        self, db_session: Session, tenant: Tenant, export_id: ExportId
    ) -> File | Template:
        try:
            export, path = await exports.open_download(db_session, export_id)
        except exports.ExportGone:
            return await self._page(
                db_session,
                tenant,
                error="That export is not available: it is not finished yet, or its "
                "download period has ended. Request a new export.",
                status_code=GONE,
            )
        return File(
            path=path,
            filename=_filename(tenant, export),
            media_type="application/zip",
            content_disposition_type="attachment",
        )

    @get("/people/{user_id:uuid}", **EXPORT)
    async def person_report(
        self, db_session: Session, tenant: Tenant, user_id: UserId
    ) -> Response[bytes]:
        report = await person.person_report(db_session, user_id)
        body = json.dumps(report, indent=2, ensure_ascii=False).encode()
        filename = f"person-report-{tenant.slug}-{user_id}-{date.today().isoformat()}.json"
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def _filename(tenant: CurrentTenant, export: DataExport) -> str:
    stamp = (export.finished_at or export.created_at).astimezone(SAST).strftime("%Y%m%d-%H%M")
    return f"saypro-export-{tenant.slug}-{stamp}.zip"
