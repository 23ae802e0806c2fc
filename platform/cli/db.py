"""saypro db …: migrations, run as the owner role."""

from __future__ import annotations

import click

from saypro.platform.cli.common import services_or_exit, settings_or_exit
from saypro.platform.db import migrate


@click.group()
def db() -> None:
    """Database migrations (owner role; creates the runtime role when needed)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        migrate.upgrade(services.database, revision)
        click.echo(f"database at {migrate.current_revision(services.database)}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" removes every table)."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        migrate.downgrade(services.database, revision)
        click.echo(f"database at {migrate.current_revision(services.database) or 'base'}")


@db.command()
def current() -> None:
    """Print the schema revision the database is at."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        click.echo(migrate.current_revision(services.database) or "base")


@db.command()
@click.option("-m", "--message", required=True, help="What the revision changes")
def revision(message: str) -> None:
    """Autogenerate a revision from the models (review it, then add RLS helpers)."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        migrate.revision(services.database, message)
