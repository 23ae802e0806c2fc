"""Migrations build the schema (tests never use create_all) and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, pool, text

from saypro.platform.db import migrate
from saypro.platform.db.metadata import load_all_models
from saypro.platform.settings import DatabaseUrls
from tests import servers
from tests.schema_rules import tenant_isolation_problems


def _tables(urls: DatabaseUrls) -> set[str]:
    engine = create_engine(urls.owner, poolclass=pool.NullPool)
    with engine.connect() as conn:
        names = set(
            conn.execute(
                text("select tablename from pg_tables where schemaname = 'public'")
            ).scalars()
        )
    engine.dispose()
    return names


def _diff(urls: DatabaseUrls, metadata: MetaData) -> list[object]:
    engine = create_engine(urls.owner, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return list(diff)


@pytest.mark.slow
def test_upgrade_downgrade_to_base_and_upgrade_again(admin_url: str) -> None:
    with servers.fresh_database(admin_url, migrated=False) as urls:
        migrate.upgrade(urls)
        assert migrate.current_revision(urls) is not None
        assert {"tenants", "strategy_objectives"} <= _tables(urls)
        migrate.downgrade(urls, "base")
        assert migrate.current_revision(urls) is None
        assert _tables(urls) <= {"alembic_version"}
        migrate.upgrade(urls)
        engine = create_engine(urls.owner, poolclass=pool.NullPool)
        with engine.connect() as conn:
            assert tenant_isolation_problems(conn, urls.runtime_role) == []
        engine.dispose()


def test_models_and_migrations_agree(db_urls: DatabaseUrls) -> None:
    assert _diff(db_urls, load_all_models()) == []


def test_drift_between_models_and_migrations_is_detected(db_urls: DatabaseUrls) -> None:
    drifted = MetaData()
    for table in load_all_models().tables.values():
        table.to_metadata(drifted)
    drifted.tables["strategy_objectives"].append_column(Column("unmigrated", String(10)))
    diff = _diff(db_urls, drifted)
    assert any("unmigrated" in repr(item) for item in diff)
