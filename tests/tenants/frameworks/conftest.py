from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping
from tests.factories import TenantRef


@dataclass(frozen=True)
class FrameworkRef:
    tenant: TenantRef
    framework_id: uuid.UUID
    item_id: uuid.UUID  # a top-level item
    child_id: uuid.UUID  # an item under it


def make_framework(
    database: Database,
    tenant: TenantRef,
    *,
    kind: FrameworkKind = FrameworkKind.DONOR_LOGFRAME,
    indicator_id: uuid.UUID | None = None,
) -> FrameworkRef:
    """A framework with an outcome and an output under it; the output is fed by the
    indicator when one is given."""
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        framework = Framework(kind=kind, name=f"Logframe {uuid.uuid4().hex[:6]}")
        session.add(framework)
        session.flush()
        outcome = FrameworkItem(framework_id=framework.id, code="OC1", title="Outcome 1")
        session.add(outcome)
        session.flush()
        output = FrameworkItem(
            framework_id=framework.id, parent_id=outcome.id, code="OP1.1", title="Output 1.1"
        )
        session.add(output)
        session.flush()
        if indicator_id is not None:
            session.add(Mapping(item_id=output.id, indicator_id=indicator_id))
            session.flush()
        return FrameworkRef(tenant, framework.id, outcome.id, output.id)


def frameworks_of(database: Database, tenant: TenantRef) -> dict[FrameworkKind, Framework]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return {f.kind: f for f in session.scalars(select(Framework))}


def items_of(database: Database, tenant: TenantRef, framework_id: uuid.UUID) -> dict[str, Any]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return {
            i.code: i
            for i in session.scalars(
                select(FrameworkItem).where(FrameworkItem.framework_id == framework_id)
            )
        }


def count(database: Database, tenant: TenantRef, model: Any) -> int:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return len(session.scalars(select(model.id)).all())


def audit_actions(database: Database, tenant: TenantRef) -> list[str]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("frameworks."))
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        )
