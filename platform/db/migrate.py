"""Running Alembic from code (the CLI and the tests use the same entry point)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

import saypro.migrations
from saypro.platform.settings import DatabaseUrls

MIGRATIONS_DIR = Path(saypro.migrations.__file__).resolve().parent


def alembic_config(urls: DatabaseUrls) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["owner_url"] = urls.owner
    config.attributes["runtime_role"] = urls.runtime_role
    config.attributes["runtime_password"] = urls.runtime_password
    return config


def upgrade(urls: DatabaseUrls, revision: str = "head") -> None:
    command.upgrade(alembic_config(urls), revision)


def downgrade(urls: DatabaseUrls, revision: str) -> None:
    command.downgrade(alembic_config(urls), revision)


def current_revision(urls: DatabaseUrls) -> str | None:
    engine = create_engine(urls.owner, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def revision(urls: DatabaseUrls, message: str) -> None:
    """Autogenerate a revision from the difference between the models and the database."""
    command.revision(alembic_config(urls), message=message, autogenerate=True)
