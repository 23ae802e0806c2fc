"""Requesting, listing and downloading a municipality's full exports (the web's side).

Services never commit; the request's transaction does. The build itself is a job
(:mod:`saypro.platform.privacy.tasks`), requested through the outbox in the same
transaction as the export row, so a rolled-back request leaves no job behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.audit.service import ACTOR_KEY, Actor
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import Conflict, NotFound
from saypro.platform.jobs.registry import enqueue
from saypro.platform.privacy.models import DataExport, ExportStatus
from saypro.platform.privacy.storage import export_file
from saypro.platform.tenancy.models import Tenant

BUILD_JOB = "privacy.build_export"
IN_PROGRESS = (ExportStatus.PENDING, ExportStatus.RUNNING)
LIST_LIMIT = 20


class ExportGone(Exception):
    """The export exists but its file is no longer (or not yet) available."""


async def request_export(session: AsyncSession) -> DataExport:
    """Start a full export of the bound tenant; one at a time per municipality."""
    tenant_id = require_tenant(session)
    # Two requests at once: the tenant row is locked, so the second sees the first's export.
    await session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    running = await session.scalar(
        select(DataExport.id)
        .where(DataExport.tenant_id == tenant_id, DataExport.status.in_(IN_PROGRESS))
        .limit(1)
    )
    if running is not None:
        raise Conflict("an export is already being prepared; wait for it to finish")
    actor = session.info.get(ACTOR_KEY)
    export = DataExport(
        requested_by=actor.user_id if isinstance(actor, Actor) else None,
        requested_by_name=actor.name if isinstance(actor, Actor) else audit.SYSTEM,
        status=ExportStatus.PENDING,
        percent=0,
    )
    session.add(export)
    await session.flush()
    audit.record(
        session,
        "data_export.requested",
        entity_type="data_export",
        entity_id=export.id,
        after={"status": export.status.value},
    )
    await enqueue(session, BUILD_JOB, export_id=str(export.id))
    return export


async def list_exports(session: AsyncSession) -> Sequence[DataExport]:
    rows = await session.scalars(
        select(DataExport)
        .where(DataExport.tenant_id == require_tenant(session))
        .order_by(DataExport.created_at.desc(), DataExport.id)
        .limit(LIST_LIMIT)
    )
    return rows.all()


async def get_export(session: AsyncSession, export_id: uuid.UUID) -> DataExport:
    """The bound tenant's export; another tenant's and a missing one are both not found."""
    export = await session.scalar(
        select(DataExport).where(
            DataExport.tenant_id == require_tenant(session), DataExport.id == export_id
        )
    )
    if export is None:
        raise NotFound()
    return export


def is_downloadable(export: DataExport, now: datetime | None = None) -> bool:
    moment = now or datetime.now(UTC)
    return (
        export.status is ExportStatus.DONE
        and export.expires_at is not None
        and export.expires_at > moment
    )


async def open_download(session: AsyncSession, export_id: uuid.UUID) -> tuple[DataExport, Path]:
    """The file of a finished, unexpired export, with the download on the audit trail."""
    export = await get_export(session, export_id)
    path = export_file(export.tenant_id, export.id)
    if not is_downloadable(export) or not path.is_file():
        raise ExportGone()
    audit.record(
        session,
        "data_export.downloaded",
        entity_type="data_export",
        entity_id=export.id,
        after={"file_size": export.file_size},
    )
    return export, path
