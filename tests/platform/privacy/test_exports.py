"""Full tenant exports: what the zip holds, progress, idempotent builds, who may
download, and expiry."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import create_engine, pool, select, text

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.scopes import PLATFORM_WIDE_TABLES
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.relay import relay_batch
from saypro.platform.jobs.runtime import run_job
from saypro.platform.privacy.catalog import is_denied
from saypro.platform.privacy.exports import BUILD_JOB
from saypro.platform.privacy.models import DataExport, ExportStatus
from saypro.platform.privacy.tasks import CLEANUP_JOB
from saypro.platform.settings import DatabaseUrls
from saypro.platform.tenancy import lifecycle
from tests.conftest import login
from tests.factories import PASSWORD, TenantRef, UserRef, make_user
from tests.platform.jobs.conftest import wait_for
from tests.platform.privacy.factories import (
    TABLES_WITH_TENANT_ID,
    make_consultant,
    make_export,
    set_export_expiry,
)
from tests.tenants.strategy.conftest import make_objective

PLATFORM_SOURCES = {"tenants", "memberships", "consultant_assignments", "users"}


def live_tenant_tables(db_urls: DatabaseUrls) -> set[str]:
    engine = create_engine(db_urls.owner, poolclass=pool.NullPool)
    with engine.connect() as conn:
        names = set(conn.execute(TABLES_WITH_TENANT_ID).scalars())
    engine.dispose()
    return names - PLATFORM_WIDE_TABLES


def request_export(client: TestClient[Any], tenant: TenantRef) -> uuid.UUID:
    response = client.post(f"/t/{tenant.slug}/exports/", follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    return latest_export(client.app.state.database, tenant)


def latest_export(database: Database, tenant: TenantRef) -> uuid.UUID:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        export_id = session.scalar(
            select(DataExport.id).order_by(DataExport.created_at.desc()).limit(1)
        )
        assert export_id is not None
        return export_id


def export_row(database: Database, tenant: TenantRef, export_id: uuid.UUID) -> DataExport:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        row = session.get(DataExport, (tenant.id, export_id))
        assert row is not None
        return row


def build(database: Database, tenant: TenantRef, export_id: uuid.UUID) -> None:
    """Run the export job as the worker runs it (one transaction, tenant bound)."""
    run_job(database, get_job(BUILD_JOB), str(tenant.id), {"export_id": str(export_id)})


def built_export(
    client: TestClient[Any], database: Database, tenant: TenantRef, admin: UserRef
) -> uuid.UUID:
    """Sign ``client`` in as ``admin``, request an export of ``tenant`` and build it."""
    login(client, admin)
    export_id = request_export(client, tenant)
    build(database, tenant, export_id)
    return export_id


def exports_dir(data_dir: Path, tenant: TenantRef) -> Path:
    return data_dir / "tenants" / str(tenant.id) / "exports"


def files_in(folder: Path) -> list[tuple[str, int, bytes]]:
    """Each file's name, modification time and content."""
    return [(p.name, p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()]


def actions(database: Database, tenant: TenantRef, action: str) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_every_tenant_table_as_json_and_csv_and_nothing_of_another_tenant(
    client: TestClient[Any],
    database: Database,
    db_urls: DatabaseUrls,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    admin_a: UserRef,
    admin_b: UserRef,
    data_dir: Path,
) -> None:
    objective_a = make_objective(database, tenant_a, "SO-A")
    objective_b = make_objective(database, tenant_b, "SO-B")
    consultant = make_consultant(database, tenant_a)
    attachment = data_dir / "tenants" / str(tenant_a.id) / "attachments" / "evidence" / "q1.txt"
    attachment.parent.mkdir(parents=True)
    attachment.write_text("Q1 evidence: ward broadband survey")
    export_id = built_export(client, database, tenant_a, admin_a)

    response = client.get(f"/t/{tenant_a.slug}/exports/{export_id}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    files = read_zip(response.content)

    expected = live_tenant_tables(db_urls) | PLATFORM_SOURCES
    assert {"data_exports", "audit_events", "strategy_objectives"} <= expected
    assert {
        n.removeprefix("json/").removesuffix(".json") for n in files if n.startswith("json/")
    } == expected
    assert {
        n.removeprefix("csv/").removesuffix(".csv") for n in files if n.startswith("csv/")
    } == expected
    assert files["attachments/evidence/q1.txt"] == b"Q1 evidence: ward broadband survey"

    manifest = json.loads(files["manifest.json"])
    assert manifest["municipality"]["id"] == str(tenant_a.id)
    assert {t["name"] for t in manifest["tables"]} == expected
    users_entry = next(t for t in manifest["tables"] if t["name"] == "users")
    assert users_entry["excluded_columns"] == ["password_hash"]

    tables = {
        name.removeprefix("json/").removesuffix(".json"): json.loads(data)
        for name, data in files.items()
        if name.startswith("json/")
    }
    assert [o["id"] for o in tables["strategy_objectives"]] == [str(objective_a.objective_id)]
    assert [t["id"] for t in tables["tenants"]] == [str(tenant_a.id)]
    assert {u["id"] for u in tables["users"]} == {str(admin_a.id), str(consultant.id)}
    assert tables["consultant_assignments"][0]["user_id"] == str(consultant.id)
    assert tables["audit_events"], "the trail is exported"
    for name, rows in tables.items():
        for row in rows:
            if "tenant_id" in row:
                assert row["tenant_id"] == str(tenant_a.id), name
            assert "password_hash" not in row
    csv_objectives = files["csv/strategy_objectives.csv"].decode().splitlines()
    assert csv_objectives[0].startswith("tenant_id,id,")
    assert len(csv_objectives) == 2 and str(objective_a.objective_id) in csv_objectives[1]

    everything = b"".join(files.values())
    for foreign in (tenant_b.id, objective_b.objective_id, admin_b.id):
        assert str(foreign).encode() not in everything
    assert b"$argon2" not in everything
    assert PASSWORD.encode() not in everything

    row = export_row(database, tenant_a, export_id)
    assert row.status is ExportStatus.DONE and row.percent == 100
    assert row.started_at is not None and row.finished_at is not None
    assert row.expires_at is not None
    assert timedelta(hours=71) < row.expires_at - row.finished_at <= timedelta(hours=72)
    assert row.file_size == len(response.content)
    assert actions(database, tenant_a, "data_export.requested")
    assert actions(database, tenant_a, "data_export.completed")
    downloaded = actions(database, tenant_a, "data_export.downloaded")
    assert [e.actor_id for e in downloaded] == [admin_a.id]


def test_a_redelivered_job_makes_no_second_file_and_keeps_the_first(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    admin_a: UserRef,
    data_dir: Path,
) -> None:
    export_id = built_export(client, database, tenant_a, admin_a)
    first = files_in(exports_dir(data_dir, tenant_a))
    build(database, tenant_a, export_id)
    second = files_in(exports_dir(data_dir, tenant_a))
    assert first == second
    assert [name for name, _, _ in second] == [f"{export_id}.zip"]
    assert len(actions(database, tenant_a, "data_export.completed")) == 1


def test_a_failed_or_interrupted_build_is_rebuilt_into_one_complete_file(
    database: Database, tenant_a: TenantRef, data_dir: Path
) -> None:
    export_id = make_export(database, tenant_a, status=ExportStatus.RUNNING)
    folder = exports_dir(data_dir, tenant_a)
    folder.mkdir(parents=True)
    # What a worker killed half-way leaves: a partial temporary file, status "running".
    (folder / f".{export_id}.zip.dead.part").write_bytes(b"PK\x03\x04 half")
    build(database, tenant_a, export_id)
    final = folder / f"{export_id}.zip"
    with zipfile.ZipFile(final) as archive:
        assert archive.testzip() is None
        assert "manifest.json" in archive.namelist()
    assert export_row(database, tenant_a, export_id).status is ExportStatus.DONE


def test_the_page_polls_progress_until_done_then_offers_the_download(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, admin_a: UserRef
) -> None:
    login(client, admin_a)
    export_id = request_export(client, tenant_a)
    page = client.get(f"/t/{tenant_a.slug}/exports/")
    assert page.status_code == 200
    polling = f'hx-get="/t/{tenant_a.slug}/exports/{export_id}/progress"'
    assert polling in page.text and 'hx-trigger="every 1500ms"' in page.text
    assert "<script>" not in page.text
    again = client.post(f"/t/{tenant_a.slug}/exports/")
    assert again.status_code == 409 and "already being prepared" in again.text

    fragment = client.get(f"/t/{tenant_a.slug}/exports/{export_id}/progress")
    assert 'data-status="pending"' in fragment.text and "hx-trigger" in fragment.text
    build(database, tenant_a, export_id)
    fragment = client.get(f"/t/{tenant_a.slug}/exports/{export_id}/progress")
    assert 'data-status="done"' in fragment.text
    assert "hx-trigger" not in fragment.text
    assert f"/t/{tenant_a.slug}/exports/{export_id}/download" in fragment.text


def test_download_needs_data_export_and_another_tenant_sees_404(
    client: TestClient[Any],
    another_client: Any,
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    admin_a: UserRef,
    admin_b: UserRef,
    editor_a: UserRef,
) -> None:
    export_id = built_export(client, database, tenant_a, admin_a)
    with another_client() as editor:
        login(editor, editor_a)
        assert editor.get(f"/t/{tenant_a.slug}/exports/{export_id}/download").status_code == 403
        assert editor.get(f"/t/{tenant_a.slug}/exports/").status_code == 403
        assert editor.post(f"/t/{tenant_a.slug}/exports/").status_code == 403
    with another_client() as other:
        login(other, admin_b)
        assert other.get(f"/t/{tenant_a.slug}/exports/{export_id}/download").status_code == 404
        own_url = other.get(f"/t/{tenant_b.slug}/exports/{export_id}/download")
        assert own_url.status_code == 404
        assert other.get(f"/t/{tenant_b.slug}/exports/{export_id}/progress").status_code == 404
    assert actions(database, tenant_a, "data_export.downloaded") == []
    assert actions(database, tenant_b, "data_export.downloaded") == []


def test_after_the_retention_period_the_download_is_refused_and_the_file_deleted(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    admin_a: UserRef,
    data_dir: Path,
) -> None:
    export_id = built_export(client, database, tenant_a, admin_a)
    final = exports_dir(data_dir, tenant_a) / f"{export_id}.zip"
    assert final.is_file()
    set_export_expiry(database, tenant_a, export_id, datetime.now(UTC) - timedelta(minutes=1))

    refused = client.get(f"/t/{tenant_a.slug}/exports/{export_id}/download")
    assert refused.status_code == 410
    assert "download period has ended" in refused.text
    assert actions(database, tenant_a, "data_export.downloaded") == []

    run_job(database, get_job(CLEANUP_JOB), None, {})
    assert not final.exists()
    assert export_row(database, tenant_a, export_id).status is ExportStatus.EXPIRED
    assert len(actions(database, tenant_a, "data_export.expired")) == 1
    run_job(database, get_job(CLEANUP_JOB), None, {})  # a second run changes nothing
    assert len(actions(database, tenant_a, "data_export.expired")) == 1
    assert client.get(f"/t/{tenant_a.slug}/exports/{export_id}/download").status_code == 410


def test_an_unexpired_export_survives_the_cleanup(
    database: Database, tenant_a: TenantRef, data_dir: Path
) -> None:
    export_id = make_export(database, tenant_a, status=ExportStatus.PENDING)
    build(database, tenant_a, export_id)
    run_job(database, get_job(CLEANUP_JOB), None, {})
    assert (exports_dir(data_dir, tenant_a) / f"{export_id}.zip").is_file()
    assert export_row(database, tenant_a, export_id).status is ExportStatus.DONE


def test_a_requested_export_is_built_by_the_worker_through_the_outbox(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    admin_a: UserRef,
    broker: Any,
    start_worker: Any,
) -> None:
    login(client, admin_a)
    export_id = request_export(client, tenant_a)
    start_worker(broker)
    relay_batch(database, broker)
    wait_for(
        lambda: export_row(database, tenant_a, export_id).status is ExportStatus.DONE,
        timeout=30,
        what="the worker to finish the export",
    )
    response = client.get(f"/t/{tenant_a.slug}/exports/{export_id}/download")
    assert response.status_code == 200
    assert "manifest.json" in read_zip(response.content)


def test_a_viewer_of_the_municipality_cannot_request_exports(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    login(client, make_user(database, (tenant_a, Role.VIEWER)))
    assert client.post(f"/t/{tenant_a.slug}/exports/").status_code == 403
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        assert session.scalar(text("select count(*) from data_exports")) == 0


def test_a_closed_municipality_can_still_take_its_data_out(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, admin_a: UserRef
) -> None:
    with database.sync_sessions() as session, session.begin():
        lifecycle.close_tenant(session, tenant_a.slug)
    export_id = built_export(client, database, tenant_a, admin_a)
    assert client.get(f"/t/{tenant_a.slug}/exports/{export_id}/download").status_code == 200


def test_columns_holding_secrets_are_denied_by_name_and_by_list() -> None:
    assert is_denied("users", "password_hash")
    for later in ("client_secret_encrypted", "token_hash", "api_key_hash", "secret", "totp_secret"):
        assert is_denied("sso_connections", later), later
    for kept in ("email", "full_name", "hash_algorithm", "tokens_issued", "status"):
        assert not is_denied("users", kept), kept
    assert not is_denied("audit_events", "hash")
    assert not is_denied("audit_events", "prev_hash")
    assert is_denied("other_table", "prev_hash")
