"""Progress moves within a large table, not only between tables."""

from __future__ import annotations

import io

from saypro.platform.audit import service as audit
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.privacy.archive import PROGRESS_EVERY_ROWS, write_archive
from tests.factories import TenantRef


def test_progress_is_reported_while_a_large_table_is_written(
    database: Database, tenant_a: TenantRef
) -> None:
    rows = 2 * PROGRESS_EVERY_ROWS + 50
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        for number in range(rows):
            audit.record(
                session, "test.bulk", entity_type="test", entity_id=None, after={"n": number}
            )
    reports: list[tuple[int, str]] = []
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        write_archive(
            session, tenant_a.id, io.BytesIO(), progress=lambda p, t: reports.append((p, t))
        )
    during_trail = [p for p, table in reports if table == "audit_events"]
    # The start of the table and at least one report per thousand rows written.
    assert len(during_trail) >= 1 + rows // PROGRESS_EVERY_ROWS
    assert during_trail == sorted(during_trail)
    assert reports[-1] == (100, "")
