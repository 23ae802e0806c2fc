"""saypro tenant close / reopen / suspend / reactivate / purge / export: a municipality's
lifecycle and its full export, from the command line (see docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.audit.service import Actor, set_actor
from saypro.platform.cli.admin import runtime_sessions, tenant
from saypro.platform.cli.common import services_or_exit, settings_or_exit
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.errors import DomainError
from saypro.platform.privacy.archive import write_archive
from saypro.platform.tenancy import lifecycle
from saypro.platform.tenancy import service as tenancy
from saypro.platform.tenancy.models import Tenant

OPERATOR = Actor(user_id=None, name="SayPro operator (command line)")


def _change(slug: str, action: Callable[[Session, str], Tenant]) -> Tenant:
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        set_actor(session, OPERATOR)
        try:
            with session.begin():
                return action(session, slug)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None


@tenant.command("close")
@click.argument("slug")
def close(slug: str) -> None:
    """Close a municipality: read-only now, deleted after the grace period."""
    closed = _change(slug, lifecycle.close_tenant)
    click.echo(
        f"closed {closed.name}; its data will be deleted after "
        f"{closed.delete_after:%Y-%m-%d %H:%M} UTC unless reopened before then"
    )


@tenant.command("reopen")
@click.argument("slug")
def reopen(slug: str) -> None:
    """Reopen a closed municipality within its grace period."""
    reopened = _change(slug, lifecycle.reopen_tenant)
    click.echo(f"reopened {reopened.name}; it is active again")


@tenant.command("suspend")
@click.argument("slug")
def suspend(slug: str) -> None:
    """Suspend a municipality (read-only; nothing is deleted)."""
    suspended = _change(slug, lifecycle.suspend_tenant)
    click.echo(f"suspended {suspended.name}; its workspace is read-only")


@tenant.command("reactivate")
@click.argument("slug")
def reactivate(slug: str) -> None:
    """Reactivate a suspended municipality."""
    active = _change(slug, lifecycle.reactivate_tenant)
    click.echo(f"reactivated {active.name}")


@tenant.command("purge")
def purge() -> None:
    """Delete every closed municipality whose grace period has ended (as the nightly job does)."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        with session.begin():
            purged = lifecycle.purge_due_tenants(session)
        for item in purged:
            click.echo(
                f"deleted {item.slug}: {sum(item.rows_deleted.values())} rows, "
                f"{item.files_deleted} files"
            )
        click.echo(f"{len(purged)} municipalities deleted")


@tenant.command("export")
@click.argument("slug")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Zip file to write (default: saypro-export-SLUG.zip)",
)
def export(slug: str, output: Path | None) -> None:
    """Write a municipality's full export (JSON + CSV + attachments) to a zip file."""
    target = output or Path(f"saypro-export-{slug}.zip")
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        set_actor(session, OPERATOR)
        partial = target.with_name(f".{target.name}.part")
        with session.begin():
            found = tenancy.get_tenant_by_slug(session, slug)
            if found is None:
                raise click.ClickException(f"tenant: no municipality at /t/{slug}/")
            bind_tenant_sync(session, found.id)
            with (
                click.progressbar(length=100, label=f"exporting {found.name}") as bar,
                partial.open("wb") as sink,
            ):
                shown = 0

                def progress(percent: int, _table: str) -> None:
                    nonlocal shown
                    bar.update(percent - shown)
                    shown = percent

                summary = write_archive(session, found.id, sink, progress=progress)
                # An export by SayPro staff is on the municipality's trail (who saw what).
                audit.record(
                    session,
                    "data_export.exported_by_operator",
                    entity_type="tenant",
                    entity_id=found.id,
                    after={"rows": summary.rows, "files": summary.attachments},
                )
        partial.replace(target)
        click.echo(
            f"wrote {target}: {len(summary.tables)} tables, {summary.rows} rows, "
            f"{summary.attachments} attachments"
        )
