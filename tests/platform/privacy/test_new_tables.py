"""Tables added later are exported and deleted without anyone listing them: the export
and the purge read the live catalog. Proven on a database of its own, where a new
tenant table is created the way a later migration would create it. The same database
logs every progress write of the export job (a trigger), to show what the page sees."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from saypro.platform.db.engine import Database
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.privacy.exports import BUILD_JOB
from saypro.platform.privacy.models import ExportStatus
from saypro.platform.settings import DatabaseUrls
from saypro.platform.tenancy import lifecycle
from tests import servers
from tests.factories import TenantRef, make_tenant
from tests.platform.privacy.factories import make_export, rows_per_table

PREDICATE = "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"


@pytest.fixture(scope="module")
def own_database(admin_url: str) -> Iterator[tuple[DatabaseUrls, Database]]:
    with servers.fresh_database(admin_url) as urls:
        engine = create_engine(urls.owner, poolclass=pool.NullPool)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "create table site_visits (tenant_id uuid not null, id uuid not null, "
                    "ward text not null, primary key (tenant_id, id))"
                )
            )
            conn.execute(text("alter table site_visits enable row level security"))
            conn.execute(text("alter table site_visits force row level security"))
            conn.execute(
                text(
                    f"create policy tenant_isolation on site_visits using ({PREDICATE}) "
                    f"with check ({PREDICATE})"
                )
            )
            conn.execute(
                text(f"grant select, insert, delete on site_visits to {urls.runtime_role}")
            )
            conn.execute(
                text(
                    "create table export_progress_log (seq bigserial primary key, "
                    "percent int, current_table text)"
                )
            )
            conn.execute(
                text(
                    "create function log_export_progress() returns trigger language plpgsql "
                    "security definer as $$ begin insert into export_progress_log "
                    "(percent, current_table) values (NEW.percent, NEW.current_table); "
                    "return NEW; end $$"
                )
            )
            conn.execute(
                text(
                    "create trigger log_export_progress after update on data_exports "
                    "for each row execute function log_export_progress()"
                )
            )
        engine.dispose()
        database = Database.connect(urls.runtime, pool_size=2)
        yield urls, database
        database.sync_engine.dispose()


def add_visit(urls: DatabaseUrls, tenant: TenantRef, ward: str) -> None:
    engine = create_engine(urls.owner, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text("insert into site_visits values (:t, gen_random_uuid(), :w)"),
            {"t": tenant.id, "w": ward},
        )
    engine.dispose()


def test_a_new_tenant_table_is_exported_with_progress_and_purged(
    own_database: tuple[DatabaseUrls, Database], data_dir: Path
) -> None:
    urls, database = own_database
    tenant = make_tenant(database, seed=True)
    other = make_tenant(database)
    add_visit(urls, tenant, "Ward 7")
    add_visit(urls, other, "Ward 12")

    export_id = make_export(database, tenant, status=ExportStatus.PENDING)
    run_job(database, get_job(BUILD_JOB), str(tenant.id), {"export_id": str(export_id)})
    path = data_dir / "tenants" / str(tenant.id) / "exports" / f"{export_id}.zip"
    with zipfile.ZipFile(path) as archive:
        visits = json.loads(archive.read("json/site_visits.json"))
        csv_visits = archive.read("csv/site_visits.csv").decode()
        manifest = json.loads(archive.read("manifest.json"))
    assert [v["ward"] for v in visits] == ["Ward 7"]
    assert "Ward 7" in csv_visits and "Ward 12" not in csv_visits
    assert "site_visits" in {t["name"] for t in manifest["tables"]}

    engine = create_engine(urls.owner, poolclass=pool.NullPool)
    with engine.connect() as conn:
        log = conn.execute(
            text("select percent, current_table from export_progress_log order by seq")
        ).all()
    engine.dispose()
    percents = [p for p, _ in log]
    assert percents == sorted(percents), "progress never goes backwards"
    assert percents[-1] == 100
    shown = {t for _, t in log if t}
    assert {"site_visits", "strategy_objectives", "audit_events", "users"} <= shown
    assert any(0 < p < 100 for p in percents), "intermediate progress is written"

    with database.sync_sessions() as session, session.begin():
        lifecycle.close_tenant(session, tenant.slug, grace_days=0)
    with database.sync_sessions() as session, session.begin():
        purged = lifecycle.purge_due_tenants(session)
    assert [p.tenant_id for p in purged] == [tenant.id]
    assert purged[0].rows_deleted["site_visits"] == 1
    assert sum(rows_per_table(urls.owner, tenant.id).values()) == 0
    assert rows_per_table(urls.owner, other.id)["site_visits"] == 1
    assert not path.exists()
