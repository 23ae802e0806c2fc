"""saypro tenant close / reopen / suspend / reactivate / export / purge, as an operator
runs them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.cli.main import cli
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.settings import DatabaseUrls
from saypro.platform.tenancy.models import Tenant, TenantStatus
from tests import servers
from tests.factories import TenantRef


@pytest.fixture
def cli_env(db_urls: DatabaseUrls, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_urls.owner)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", servers.TEST_SECRET_KEY)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def status(database: Database, tenant: TenantRef) -> TenantStatus:
    with database.sync_sessions() as session:
        found = session.get(Tenant, tenant.id)
        assert found is not None
        return found.status


def test_lifecycle_commands(cli_env: None, database: Database, tenant_a: TenantRef) -> None:
    runner = CliRunner()
    suspended = runner.invoke(cli, ["tenant", "suspend", tenant_a.slug])
    assert suspended.exit_code == 0, suspended.output
    assert status(database, tenant_a) is TenantStatus.SUSPENDED
    again = runner.invoke(cli, ["tenant", "suspend", tenant_a.slug])
    assert again.exit_code != 0 and "not active" in again.output
    assert runner.invoke(cli, ["tenant", "reactivate", tenant_a.slug]).exit_code == 0
    assert status(database, tenant_a) is TenantStatus.ACTIVE

    closed = runner.invoke(cli, ["tenant", "close", tenant_a.slug])
    assert closed.exit_code == 0, closed.output
    assert "will be deleted after" in closed.output
    assert status(database, tenant_a) is TenantStatus.CLOSED
    purged = runner.invoke(cli, ["tenant", "purge"])
    assert purged.exit_code == 0 and tenant_a.slug not in purged.output
    reopened = runner.invoke(cli, ["tenant", "reopen", tenant_a.slug])
    assert reopened.exit_code == 0, reopened.output
    assert status(database, tenant_a) is TenantStatus.ACTIVE
    missing = runner.invoke(cli, ["tenant", "close", "no-such-municipality"])
    assert missing.exit_code != 0 and "no municipality" in missing.output

    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        trail = session.execute(
            select(AuditEvent.action, AuditEvent.actor_name)
            .where(AuditEvent.entity_type == "tenant")
            .order_by(AuditEvent.seq)
        ).all()
    assert [a for a, _ in trail] == [
        "tenant.suspended",
        "tenant.reactivated",
        "tenant.closed",
        "tenant.reopened",
    ]
    assert {n for _, n in trail} == {"SayPro operator (command line)"}


def test_export_command_writes_the_zip(cli_env: None, tenant_a: TenantRef, tmp_path: Path) -> None:
    target = tmp_path / "alpha.zip"
    result = CliRunner().invoke(cli, ["tenant", "export", tenant_a.slug, "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "tables" in result.output
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["municipality"]["slug"] == tenant_a.slug
        assert "json/audit_events.json" in archive.namelist()
    missing = CliRunner().invoke(cli, ["tenant", "export", "nowhere", "--output", str(target)])
    assert missing.exit_code != 0 and "no municipality" in missing.output
