"""The life of one import: upload → preview (every row checked, nothing written) →
commit (checked again and written all at once, in one transaction) → done.

The preview and the commit are synchronous functions over a synchronous session: the
jobs and the CLI call them directly, and a web request previews a small file in its own
transaction through ``run_sync``. Committing twice is harmless: only a run that is
``committing`` is written, and writing it marks it ``done`` in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import Conflict, DomainError, InvalidInput, NotFound
from saypro.platform.jobs.registry import enqueue
from saypro.tenants.kpis import workflow
from saypro.tenants.kpis.evidence import Upload
from saypro.tenants.kpis.imports import files
from saypro.tenants.kpis.imports.checks import Checked, Progress, check_actuals, check_indicators
from saypro.tenants.kpis.imports.models import ImportKind, ImportRun, ImportStatus
from saypro.tenants.kpis.imports.write import write_actuals, write_indicators

PREVIEW_JOB = "kpis.import_preview"
COMMIT_JOB = "kpis.import_commit"
CLEANUP_JOB = "kpis.import_cleanup"
# A file up to this size is previewed in the upload request itself (a few thousand rows,
# well under a second); a larger one by the preview job, with progress on the page.
INLINE_PREVIEW_BYTES = 256 * 1024
MAX_ERRORS = 1_000  # the errors kept on the run; error_count says how many there were


# Checking and writing (synchronous) -------------------------------------------------------


def _get(session: Session, run_id: uuid.UUID) -> ImportRun | None:
    return session.get(ImportRun, (require_tenant(session), run_id))


def _check(session: Session, run: ImportRun, progress: Progress | None) -> Checked:
    if not run.stored_path or not files.absolute(run.tenant_id, run.stored_path).is_file():
        raise InvalidInput("the uploaded file is gone; upload it again", field="file")
    content = files.absolute(run.tenant_id, run.stored_path).read_bytes()
    table = files.read_table(content, run.file_format, run.kind)
    if progress is not None:
        progress(0, len(table.rows))
    if run.kind is ImportKind.INDICATORS:
        checked = check_indicators(session, table, progress=progress)
    else:
        user = run.committed_by or run.created_by or uuid.UUID(int=0)
        # Importing takes kpis.write, which reports any indicator (docs/kpi-imports.md).
        reporter = workflow.Reporter(user_id=user, can_edit=True, is_admin=False)
        checked = check_actuals(session, table, reporter, submit=run.submit, progress=progress)
    run.rows_total = len(table.rows)
    return checked


def _drop_file(session: Session, run: ImportRun) -> None:
    """The run no longer needs its uploaded file: it goes once this transaction commits
    (a rolled-back transaction keeps it)."""
    stored, run.stored_path = run.stored_path, None
    _remove_after_commit(session, run.tenant_id, stored)


def _remove_after_commit(session: Session, tenant: uuid.UUID, stored: str | None) -> None:
    if stored:
        event.listen(session, "after_commit", lambda _s: files.remove(tenant, stored), once=True)


def _store_errors(run: ImportRun, checked: Checked | None, problem: DomainError | None) -> None:
    if problem is not None:
        errors = [{"row": 1, "column": problem.field or "file", "problem": problem.message}]
    else:
        assert checked is not None
        errors = [e.as_dict() for e in checked.errors]
    run.error_count = len(errors)
    run.errors = errors[:MAX_ERRORS]


def preview(session: Session, run_id: uuid.UUID, progress: Progress | None = None) -> None:
    """Check every row of an uploaded run and record the outcome; nothing else is
    written. A run that was already previewed is left as it is."""
    run = _get(session, run_id)
    if run is None or run.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        return
    try:
        checked = _check(session, run, progress)
    except DomainError as exc:
        _store_errors(run, None, exc)
        run.status = ImportStatus.INVALID
        _drop_file(session, run)
        session.flush()
        return
    _store_errors(run, checked, None)
    run.summary = checked.summary(run.submit)
    run.rows_done = run.rows_total
    run.status = ImportStatus.INVALID if checked.errors else ImportStatus.VALID
    if checked.errors:
        _drop_file(session, run)
    session.flush()


def commit(session: Session, run_id: uuid.UUID, progress: Progress | None = None) -> None:
    """Write a run that is being committed: every row, or (when a row no longer passes)
    none. Another delivery of the same request finds the run done and does nothing."""
    lock = func.hashtextextended(f"kpi_import:{run_id}", 0)
    if not session.scalar(select(func.pg_try_advisory_xact_lock(lock))):
        return  # another worker is writing this run right now
    run = _get(session, run_id)
    if run is None or run.status is not ImportStatus.COMMITTING:
        return
    try:
        # A savepoint: a write refused half-way (say an actual submitted since the
        # check) is undone whole before the run is marked invalid and committed.
        replaced: list[dict[str, Any]] = []
        with session.begin_nested():
            checked = _check(session, run, progress)
            if not checked.errors:
                if run.kind is ImportKind.ACTUALS:
                    replaced = write_actuals(
                        session, checked.actuals, user_id=run.committed_by, submit=run.submit
                    )
                else:
                    write_indicators(session, checked.indicators)
    except DomainError as exc:
        _store_errors(run, None, exc)
        run.status = ImportStatus.INVALID
        _drop_file(session, run)
        session.flush()
        return
    if checked.errors:
        _store_errors(run, checked, None)
        run.status = ImportStatus.INVALID  # the workspace changed since the preview
        _drop_file(session, run)
        session.flush()
        return
    run.summary = checked.summary(run.submit)
    run.error_count, run.errors = 0, []
    run.rows_done = run.rows_total
    run.status = ImportStatus.DONE
    run.finished_at = datetime.now(UTC)
    session.flush()
    # One event for the whole import (one per row would make a 100 000-row import
    # unusable). It names the file, kept with the run (deleted with the municipality), by
    # its SHA-256, and lists the drafts and returned actuals the import overwrote, as they
    # were ("replaced"): with the file, what changed can be told row by row.
    audit.record(
        session,
        "kpis.import.committed",
        entity_type="kpi_import",
        entity_id=run.id,
        after={
            "kind": run.kind.value,
            "file_name": run.file_name,
            "sha256": run.sha256,
            "rows": run.rows_total,
            "state": "submitted" if run.submit else "draft",
            **run.summary,
            "replaced": replaced,
        },
    )


def mark_failed(session: Session, run_id: uuid.UUID, reason: str) -> None:
    """Record that a run broke off (its transaction rolled back, nothing was written);
    its file goes with it (it is uploaded again to be tried again)."""
    tenant = require_tenant(session)
    old = (
        select(ImportRun.stored_path)
        .where(ImportRun.tenant_id == tenant, ImportRun.id == run_id)
        .scalar_subquery()
    )
    stored = session.scalar(
        update(ImportRun)
        .where(ImportRun.tenant_id == tenant, ImportRun.id == run_id)
        .values(status=ImportStatus.FAILED, failure=reason, stored_path=None)
        .returning(old)
    )
    _remove_after_commit(session, tenant, stored)


CLEANUP_AGE = timedelta(days=1)


def clean_up(session: Session, now: datetime) -> int:
    """Remove the uploaded files of runs older than a day that were never committed
    (and files no run refers to, left by an upload that broke off); returns how many."""
    tenant = require_tenant(session)
    cutoff = now - CLEANUP_AGE
    stale = session.execute(
        select(ImportRun.id, ImportRun.stored_path)
        .where(
            ImportRun.tenant_id == tenant,
            ImportRun.created_at < cutoff,
            ImportRun.stored_path.is_not(None),
            ImportRun.status.not_in([ImportStatus.COMMITTING, ImportStatus.DONE]),
        )
        .with_for_update(skip_locked=True)
    ).all()
    if stale:
        session.execute(
            update(ImportRun)
            .where(ImportRun.tenant_id == tenant, ImportRun.id.in_([id_ for id_, _ in stale]))
            .values(stored_path=None)
        )
    for _id, stored in stale:
        _remove_after_commit(session, tenant, stored)
    kept = set(
        session.scalars(
            select(ImportRun.stored_path).where(
                ImportRun.tenant_id == tenant, ImportRun.stored_path.is_not(None)
            )
        )
    )
    folder = files.absolute(tenant, files.FOLDER)
    gone = [
        f"{files.FOLDER}/{path.name}"
        for path in (folder.iterdir() if folder.is_dir() else [])
        if f"{files.FOLDER}/{path.name}" not in kept
        and datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff
    ]
    for relative in gone:
        _remove_after_commit(session, tenant, relative)
    return len(stale) + len(gone)


# Requests of the web and the API (asynchronous) -----------------------------------------


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> ImportRun:
    run = await session.scalar(
        select(ImportRun).where(
            ImportRun.tenant_id == require_tenant(session), ImportRun.id == run_id
        )
    )
    if run is None:
        raise NotFound()
    return run


async def list_runs(
    session: AsyncSession, *, limit: int = 20, offset: int = 0
) -> tuple[Sequence[ImportRun], int]:
    tenant = require_tenant(session)
    total = await session.scalar(
        select(func.count()).select_from(ImportRun).where(ImportRun.tenant_id == tenant)
    )
    rows = await session.scalars(
        select(ImportRun)
        .where(ImportRun.tenant_id == tenant)
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), total or 0


async def start(
    session: AsyncSession,
    user_id: uuid.UUID | None,
    kind: ImportKind,
    upload: Upload | None,
    *,
    submit: bool = False,
) -> ImportRun:
    """Check and keep an uploaded file, and preview it (here when it is small, by the
    preview job otherwise). A file that cannot be read as the layout is refused whole."""
    checked = files.check_upload(upload)
    files.read_table(checked.content, checked.file_format, kind, header_only=True)
    run = new_run(checked, kind, user_id, submit=submit)
    session.add(run)
    await session.flush()
    files.store(run.tenant_id, run.stored_path or "", checked.content)
    audit.record(
        session,
        "kpis.import.uploaded",
        entity_type="kpi_import",
        entity_id=run.id,
        after={"kind": kind.value, "file_name": run.file_name, "sha256": run.sha256},
    )
    if len(checked.content) <= INLINE_PREVIEW_BYTES:
        await session.run_sync(lambda sync: preview(sync, run.id))
    else:
        await enqueue(
            session, PREVIEW_JOB, dedupe_key=f"{PREVIEW_JOB}:{run.id}", run_id=str(run.id)
        )
    await session.refresh(run)
    return run


def new_run(
    checked: files.CheckedFile, kind: ImportKind, user_id: uuid.UUID | None, *, submit: bool
) -> ImportRun:
    run_id = uuid.uuid4()
    return ImportRun(
        id=run_id,
        kind=kind,
        status=ImportStatus.UPLOADED,
        file_name=checked.file_name,
        file_format=checked.file_format,
        size_bytes=len(checked.content),
        sha256=checked.sha256,
        stored_path=files.stored_path(run_id, checked.file_format),
        submit=submit and kind is ImportKind.ACTUALS,
        rows_total=0,
        rows_done=0,
        error_count=0,
        errors=[],
        summary={},
        created_by=user_id,
    )


async def request_commit(
    session: AsyncSession, run_id: uuid.UUID, user_id: uuid.UUID | None
) -> ImportRun:
    """Hand a previewed run to the commit job. Asking again (a double click, a retried
    request) while it is committing or after it is done changes nothing."""
    run = await get_run(session, run_id)
    claimed = await session.execute(
        update(ImportRun)
        .where(
            ImportRun.tenant_id == run.tenant_id,
            ImportRun.id == run.id,
            ImportRun.status.in_([ImportStatus.VALID, ImportStatus.FAILED]),
        )
        .values(status=ImportStatus.COMMITTING, committed_by=user_id, rows_done=0)
        .returning(ImportRun.id)
    )
    if claimed.first() is not None:
        # The claim above is the guard against a second commit: only one request moves
        # the run to committing, so only one asks for the job.
        await enqueue(session, COMMIT_JOB, run_id=str(run.id))
    await session.refresh(run)
    if run.status in (ImportStatus.COMMITTING, ImportStatus.DONE):
        return run
    if run.status is ImportStatus.INVALID:
        raise Conflict(
            f"the file has {run.error_count} error(s); correct them and upload it again",
            field="file",
        )
    raise Conflict("the preview is not finished yet; commit once it is", field="file")
