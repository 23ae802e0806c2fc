"""The import jobs: previewing a large file and committing any file, with progress
written beside the job's transaction so the page's bar moves. Ids only; running a job
twice changes nothing the first run did not (see runs.preview and runs.commit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.identity.models import User
from saypro.platform.jobs.registry import job
from saypro.platform.jobs.side import side_session
from saypro.tenants.kpis.imports import runs
from saypro.tenants.kpis.imports.models import ImportRun, ImportStatus

log = structlog.get_logger(__name__)
LOCK_TIMEOUT = "10s"


class ProgressWriter:
    """Writes rows done/total of one run, committed at once, a few times per file."""

    def __init__(self, session: Session, run_id: uuid.UUID) -> None:
        self.session, self.run_id = session, run_id

    def set(self, **values: object) -> None:
        with self.session.begin():
            # Never wait for long on the job's own transaction (which may hold the row).
            self.session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            self.session.execute(
                update(ImportRun)
                .where(
                    ImportRun.tenant_id == require_tenant(self.session),
                    ImportRun.id == self.run_id,
                )
                .values(**values)
            )

    def fail(self, reason: str) -> None:
        with self.session.begin():
            self.session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            runs.mark_failed(self.session, self.run_id, reason)

    def __call__(self, done: int, total: int) -> None:
        self.set(rows_done=done, rows_total=total)


def _act_as(session: Session, run_id: uuid.UUID) -> None:
    """The audit trail names the person who asked for the commit."""
    run = session.get(ImportRun, (require_tenant(session), run_id))
    user = session.get(User, run.committed_by) if run and run.committed_by else None
    if user is not None:
        audit.set_actor(session, audit.Actor(user_id=user.id, name=user.full_name))


@job(runs.PREVIEW_JOB, max_retries=3)
def preview_import(session: Session, *, run_id: str) -> None:
    run_uuid = uuid.UUID(run_id)
    with side_session(session, require_tenant(session)) as side:
        progress = ProgressWriter(side, run_uuid)
        run = session.get(ImportRun, (require_tenant(session), run_uuid))
        # A run left validating by a worker that died is taken up again.
        if run is None or run.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
            return
        progress.set(status=ImportStatus.VALIDATING)
        session.refresh(run)
        try:
            runs.preview(session, run_uuid, progress)
        except Exception as exc:
            session.rollback()
            progress.fail(type(exc).__name__)
            log.exception("kpi_import.preview_failed", run_id=run_id)
            raise


@job(runs.COMMIT_JOB, max_retries=3)
def commit_import(session: Session, *, run_id: str) -> None:
    run_uuid = uuid.UUID(run_id)
    _act_as(session, run_uuid)
    with side_session(session, require_tenant(session)) as side:
        progress = ProgressWriter(side, run_uuid)
        try:
            runs.commit(session, run_uuid, progress)
        except Exception as exc:
            # Nothing of the run is written: roll the job's transaction back first, so
            # that it no longer holds the run's row the side session is about to update.
            session.rollback()
            progress.fail(type(exc).__name__)
            log.exception("kpi_import.failed", run_id=run_id)
            raise


@job(runs.CLEANUP_JOB, max_retries=3)
def clean_up_imports(session: Session) -> None:
    """Daily: the files of imports that were left uncommitted for a day."""
    removed = runs.clean_up(session, datetime.now(UTC))
    if removed:
        log.info("kpi_import.cleaned_up", files=removed)
