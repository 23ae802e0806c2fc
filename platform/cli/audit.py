"""saypro audit …: checks on a municipality's audit trail."""

from __future__ import annotations

import click

from saypro.platform.audit.chain import count_entries, verify_chain
from saypro.platform.cli.admin import runtime_sessions
from saypro.platform.cli.common import services_or_exit, settings_or_exit
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.tenancy import service as tenancy


@click.group()
def audit() -> None:
    """The tenants' audit trails."""


@audit.command()
@click.option("--tenant", "tenant_slug", required=True, help="The municipality's URL name")
def verify(tenant_slug: str) -> None:
    """Prove the tenant's hash-chained log is intact, or name the first broken entry."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        found = tenancy.get_tenant_by_slug(session, tenant_slug)
        if found is None:
            raise click.ClickException(f"tenant: no municipality at /t/{tenant_slug}/")
        bind_tenant_sync(session, found.id)
        total = count_entries(session)
        with click.progressbar(length=total, label=f"verifying {total} audit entries") as bar:
            report = verify_chain(session, progress=bar.update)
        if report.broken is not None:
            raise click.ClickException(
                f"audit trail of {found.name} is broken at {report.broken.describe()}"
            )
        click.echo(f"audit trail of {found.name} is intact: {report.entries} entries")
