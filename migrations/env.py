"""Alembic environment: runs as the owner role; the runtime role gets grants, never ownership."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from saypro.platform.db.metadata import load_all_models

config = context.config
target_metadata = load_all_models()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.attributes["owner_url"], poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `saypro db upgrade`")
run_migrations_online()
