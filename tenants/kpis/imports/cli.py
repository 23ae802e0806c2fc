"""saypro kpi import FILE --municipality SLUG --kind actuals|indicators [--commit]: the
same upload, preview and commit as the pages, run in this process with progress bars."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import sessionmaker

from saypro.platform.cli.admin import runtime_sessions
from saypro.platform.cli.common import services_or_exit, settings_or_exit
from saypro.platform.db.tenancy import TenantSession, bind_tenant_sync, require_tenant
from saypro.platform.errors import DomainError
from saypro.platform.tenancy import service as tenancy
from saypro.tenants.kpis.evidence import Upload
from saypro.tenants.kpis.imports import files, runs
from saypro.tenants.kpis.imports.checks import Progress
from saypro.tenants.kpis.imports.models import ImportKind, ImportRun, ImportStatus

SHOWN_ERRORS = 50


@click.group()
def kpi() -> None:
    """Key performance indicators."""


def _with_bar(label: str, step: Callable[[Progress], None]) -> None:
    """Run ``step(progress)`` under a progress bar sized by the rows it reports."""
    with contextlib.ExitStack() as stack:
        bars: list[Any] = []
        shown = 0

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if not bars:
                bars.append(
                    stack.enter_context(click.progressbar(length=max(total, 1), label=label))
                )
            bars[0].update(done - shown)
            shown = done

        step(progress)


@kpi.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--municipality", "slug", required=True, help="The municipality's URL name")
@click.option("--kind", type=click.Choice([k.value for k in ImportKind]), required=True)
@click.option("--commit", "do_commit", is_flag=True, help="Write the rows when none has errors")
@click.option("--submit", is_flag=True, help="Submit imported actuals for review")
def import_command(file: Path, slug: str, kind: str, do_commit: bool, submit: bool) -> None:
    """Check every row of FILE and show the problems; with --commit, write them all."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        sessions = runtime_sessions(services)
        with sessions() as session:
            found = tenancy.get_tenant_by_slug(session, slug)
            if found is None:
                raise click.ClickException(f"municipality: no municipality at /t/{slug}/")
            tenant_id = found.id
        run_id = _upload(sessions, tenant_id, file, ImportKind(kind), submit)
        with sessions() as session, session.begin():
            bind_tenant_sync(session, tenant_id)
            _with_bar("checking rows", lambda p: runs.preview(session, run_id, p))
        run = _report(sessions, tenant_id, run_id)
        if run.status is not ImportStatus.VALID:
            raise click.ClickException(f"{run.error_count} problem(s); nothing was imported")
        if not do_commit:
            click.echo("no problems; run again with --commit to import the rows")
            return
        with sessions() as session, session.begin():
            bind_tenant_sync(session, tenant_id)
            claimed = session.get(ImportRun, (tenant_id, run_id))
            assert claimed is not None
            claimed.status = ImportStatus.COMMITTING
        try:
            with sessions() as session, session.begin():
                bind_tenant_sync(session, tenant_id)
                _with_bar("importing rows", lambda p: runs.commit(session, run_id, p))
        except Exception as exc:
            # The transaction rolled back, so nothing was written; the run says so
            # instead of staying "committing" for ever.
            with sessions() as session, session.begin():
                bind_tenant_sync(session, tenant_id)
                runs.mark_failed(session, run_id, type(exc).__name__)
            raise click.ClickException(f"nothing was imported ({type(exc).__name__})") from exc
        run = _report(sessions, tenant_id, run_id)
        if run.status is not ImportStatus.DONE:
            raise click.ClickException("nothing was imported")


def _upload(
    sessions: sessionmaker[TenantSession],
    tenant_id: uuid.UUID,
    file: Path,
    kind: ImportKind,
    submit: bool,
) -> uuid.UUID:
    upload = Upload(file_name=file.name, content_type="", content=file.read_bytes())
    try:
        checked = files.check_upload(upload)
        files.read_table(checked.content, checked.file_format, kind, header_only=True)
    except DomainError as exc:
        raise click.ClickException(f"{file.name}: {exc.message}") from None
    with sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_id)
        run = runs.new_run(checked, kind, None, submit=submit)
        session.add(run)
        session.flush()
        files.store(require_tenant(session), run.stored_path or "", checked.content)
        return run.id


def _report(
    sessions: sessionmaker[TenantSession], tenant_id: uuid.UUID, run_id: uuid.UUID
) -> ImportRun:
    with sessions() as session:
        bind_tenant_sync(session, tenant_id)
        run = session.get(ImportRun, (tenant_id, run_id))
        assert run is not None
    for error in run.errors[:SHOWN_ERRORS]:
        click.echo(f"row {error['row']}, {error['column']}: {error['problem']}")
    if run.error_count > SHOWN_ERRORS:
        click.echo(f"… and {run.error_count - SHOWN_ERRORS} more")
    summary = ", ".join(f"{value} {key}" for key, value in run.summary.items())
    click.echo(
        f"{run.file_name}: {run.rows_total} rows, {run.status.value}"
        + (f" ({summary})" if summary else "")
    )
    return run
