"""saypro tenant … / saypro user …: platform administration."""

from __future__ import annotations

import click
from sqlalchemy import create_engine, pool
from sqlalchemy.orm import sessionmaker

from saypro.platform.cli.common import services_or_exit, settings_or_exit
from saypro.platform.db.tenancy import TenantSession
from saypro.platform.errors import DomainError
from saypro.platform.identity import service as identity
from saypro.platform.identity.permissions import Role, StaffRole
from saypro.platform.services import Services
from saypro.platform.tenancy import service as tenancy
from saypro.platform.tenancy.models import MunicipalCategory, Province


def runtime_sessions(services: Services) -> sessionmaker[TenantSession]:
    engine = create_engine(services.database.runtime, poolclass=pool.NullPool)
    return sessionmaker(engine, class_=TenantSession, expire_on_commit=False)


@click.group()
def tenant() -> None:
    """Municipalities (tenants)."""


@tenant.command("create")
@click.option("--name", required=True, help="e.g. Drakenstein Local Municipality")
@click.option("--code", "demarcation_code", required=True, help="Demarcation code, e.g. WC023")
@click.option("--province", type=click.Choice([p.value for p in Province]), required=True)
@click.option("--category", type=click.Choice([c.value for c in MunicipalCategory]), required=True)
@click.option("--slug", default=None, help="URL name; derived from the name when omitted")
def create_tenant(
    name: str, demarcation_code: str, province: str, category: str, slug: str | None
) -> None:
    """Register a municipality and seed its workspace."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        try:
            with session.begin():
                created = tenancy.create_tenant(
                    session,
                    name=name,
                    demarcation_code=demarcation_code,
                    province=province,
                    category=category,
                    slug=slug,
                )
                tenancy.record_registration(session, created, "tenant.registered")
        except DomainError as exc:
            raise click.ClickException(
                f"{exc.field}: {exc.message}" if exc.field else exc.message
            ) from None
        click.echo(f"created {created.name} at /t/{created.slug}/ (id {created.id})")


@tenant.command("list")
def list_tenants() -> None:
    """List municipalities."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        for row in tenancy.list_tenants(session):
            click.echo(
                f"{row.slug:30} {row.demarcation_code:7} {row.province.value:4} "
                f"{row.category.value}  {row.name}"
            )


@click.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--tenant", "tenant_slug", default=None, help="Add a membership in this municipality")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.VIEWER.value)
@click.option(
    "--staff-role",
    type=click.Choice([r.value for r in StaffRole]),
    default=None,
    help="Make the account SayPro staff (e.g. the first platform admin)",
)
def create_user(
    email: str,
    full_name: str,
    password: str,
    tenant_slug: str | None,
    role: str,
    staff_role: str | None,
) -> None:
    """Create a user, optionally a member of one municipality or SayPro staff."""
    if len(password) < 12:
        raise click.ClickException("password: must be at least 12 characters")
    settings = settings_or_exit()
    with services_or_exit(settings) as services, runtime_sessions(services)() as session:
        try:
            with session.begin():
                account = identity.create_user(
                    session,
                    email=email,
                    full_name=full_name,
                    password=password,
                    email_verified=True,
                )
                account.staff_role = StaffRole(staff_role) if staff_role else None
                if tenant_slug:
                    found = tenancy.get_tenant_by_slug(session, tenant_slug)
                    if found is None:
                        raise click.ClickException(f"tenant: no municipality at /t/{tenant_slug}/")
                    identity.add_membership(
                        session, user=account, tenant_id=found.id, role=Role(role)
                    )
        except (DomainError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"created user {account.email}")
