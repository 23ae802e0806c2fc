"""Jobs of the privacy domain: building an export, deleting expired ones, and deleting
closed municipalities after their grace period. Ids only; safe to run twice."""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import bind_tenant_sync, require_tenant
from saypro.platform.jobs.registry import job
from saypro.platform.jobs.side import side_session
from saypro.platform.privacy.archive import write_archive
from saypro.platform.privacy.exports import BUILD_JOB
from saypro.platform.privacy.models import DataExport, ExportStatus
from saypro.platform.privacy.storage import export_file, tenants_root
from saypro.platform.settings import get_settings
from saypro.platform.tenancy.lifecycle import purge_due_tenants
from saypro.platform.tenancy.models import Tenant

log = structlog.get_logger(__name__)
CLEANUP_JOB = "privacy.delete_expired_exports"
PURGE_JOB = "privacy.purge_closed_tenants"


class _ProgressWriter:
    def __init__(self, session: Session, export_id: uuid.UUID) -> None:
        self.session = session
        self.export_id = export_id
        self.last: tuple[int, str] | None = None

    def set(self, **values: object) -> None:
        with self.session.begin():
            export = self.session.get(DataExport, (require_tenant(self.session), self.export_id))
            if export is None:
                return
            for key, value in values.items():
                setattr(export, key, value)

    def __call__(self, percent: int, table: str) -> None:
        # One write per table and per percent step, never one per row.
        if self.last == (percent, table):
            return
        self.last = (percent, table)
        self.set(percent=percent, current_table=table or None)


@job(BUILD_JOB, max_retries=3)
def build_export(session: Session, *, export_id: str) -> None:
    """Build one export's zip. A re-delivered message finds the export done (or being
    built by another worker, held by an advisory lock) and does nothing; the zip is written
    to a temporary name and renamed into place, so a finished file is never rewritten
    half-way and an interrupted run leaves no partial file under the final name."""
    tenant_id = require_tenant(session)
    export_uuid = uuid.UUID(export_id)
    lock_key = func.hashtextextended(f"data_export:{export_uuid}", 0)
    if not session.scalar(select(func.pg_try_advisory_xact_lock(lock_key))):
        return  # another delivery of the same message is building it right now
    export = session.get(DataExport, (tenant_id, export_uuid))
    if export is None or export.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
        return
    final = export_file(tenant_id, export_uuid)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{secrets.token_hex(4)}.part")
    with side_session(session, tenant_id) as side:
        progress = _ProgressWriter(side, export_uuid)
        progress.set(
            status=ExportStatus.RUNNING, percent=0, error=None, started_at=datetime.now(UTC)
        )
        try:
            # One snapshot for the whole export: every table as of the same moment.
            with (
                side_session(session, tenant_id, isolation_level="REPEATABLE READ") as reader,
                reader.begin(),
                temporary.open("wb") as target,
            ):
                summary = write_archive(reader, tenant_id, target, progress=progress)
                target.flush()
                os.fsync(target.fileno())
            temporary.replace(final)
        except Exception as exc:
            temporary.unlink(missing_ok=True)
            progress.set(status=ExportStatus.FAILED, error=f"{type(exc).__name__}")
            log.exception("data_export.failed", export_id=export_id)
            raise
        finished = datetime.now(UTC)
        retention = timedelta(hours=get_settings().export_retention_hours)
        progress.set(
            status=ExportStatus.DONE,
            percent=100,
            current_table=None,
            file_size=final.stat().st_size,
            finished_at=finished,
            expires_at=finished + retention,
        )
    audit.record(
        session,
        "data_export.completed",
        entity_type="data_export",
        entity_id=export_uuid,
        after={"rows": summary.rows, "tables": len(summary.tables), "files": summary.attachments},
    )
    log.info("data_export.done", export_id=export_id, rows=summary.rows)


def delete_expired_exports_of_tenant(session: Session, now: datetime | None = None) -> int:
    """Delete the files of the bound tenant's exports past their retention; mark them
    expired. Returns how many were expired (0 on a second run)."""
    moment = now or datetime.now(UTC)
    tenant_id = require_tenant(session)
    expired = session.scalars(
        select(DataExport).where(
            DataExport.tenant_id == tenant_id,
            DataExport.expires_at <= moment,
            DataExport.status == ExportStatus.DONE,
        )
    ).all()
    for export in expired:
        export_file(tenant_id, export.id).unlink(missing_ok=True)
        export.status = ExportStatus.EXPIRED
        audit.record(
            session,
            "data_export.expired",
            entity_type="data_export",
            entity_id=export.id,
            before={"status": ExportStatus.DONE.value},
            after={"status": ExportStatus.EXPIRED.value},
        )
    session.flush()
    return len(expired)


def tenants_with_export_files() -> list[uuid.UUID]:
    """Municipalities that have export files on disk: the only ones the cleanup needs to
    visit, so an hourly run does not query every one of thousands of tenants."""
    root = tenants_root()
    if not root.is_dir():
        return []
    found = []
    for directory in root.iterdir():
        try:
            tenant_id = uuid.UUID(directory.name)
        except ValueError:
            continue
        if any((directory / "exports").glob("*.zip")):
            found.append(tenant_id)
    return sorted(found)


@job(CLEANUP_JOB, tenant_scoped=False)
def delete_expired_exports(session: Session) -> None:
    """For every municipality with export files (closed ones too), binding each in turn."""
    candidates = tenants_with_export_files()
    tenant_ids = (
        session.scalars(
            select(Tenant.id).where(Tenant.id.in_(candidates)).order_by(Tenant.id)
        ).all()
        if candidates
        else []
    )
    total = 0
    for tenant_id in tenant_ids:
        bind_tenant_sync(session, tenant_id)
        total += delete_expired_exports_of_tenant(session)
    bind_tenant_sync(session, None)
    if total:
        log.info("data_export.expired", count=total)


@job(PURGE_JOB, tenant_scoped=False, max_retries=3)
def purge_closed_tenants(session: Session) -> None:
    purge_due_tenants(session)
