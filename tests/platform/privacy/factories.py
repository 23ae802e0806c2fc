"""Test data for the privacy tests: exports in a given state, staff, consultant
assignments, audit events by a given person, and counts over the live catalog."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, pool, select, text

from saypro.platform.audit import service as audit
from saypro.platform.audit.service import Actor, set_actor
from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.models import User
from saypro.platform.identity.permissions import ConsultantRole, StaffRole
from saypro.platform.privacy.models import DataExport, ExportStatus
from tests.factories import TenantRef, UserRef, assign_consultant, make_staff


def make_export(
    database: Database,
    tenant: TenantRef,
    *,
    status: ExportStatus = ExportStatus.DONE,
    expires_in: timedelta = timedelta(hours=1),
) -> uuid.UUID:
    """An export row in the given state (no file: the tests that need one build it)."""
    now = datetime.now(UTC)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        with session.begin():
            export = DataExport(
                requested_by_name="Fixture",
                status=status,
                percent=100 if status is ExportStatus.DONE else 0,
                finished_at=now if status is ExportStatus.DONE else None,
                expires_at=now + expires_in if status is ExportStatus.DONE else None,
                file_size=1,
            )
            session.add(export)
            session.flush()
            return export.id


def make_consultant(
    database: Database, tenant: TenantRef, role: ConsultantRole = ConsultantRole.LEAD
) -> UserRef:
    """A SayPro consultant assigned to ``tenant`` for the last 30 days and onwards."""
    consultant = make_staff(database, StaffRole.CONSULTANT, name="Sipho Consultant")
    assign_consultant(
        database, consultant, tenant, role, starts_on=today_sast() - timedelta(days=30)
    )
    return consultant


def act_as(database: Database, tenant: TenantRef, user: UserRef, action: str) -> None:
    """One audit event in ``tenant``'s trail with ``user`` as the actor."""
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        with session.begin():
            name = session.scalar(select(User.full_name).where(User.id == user.id)) or "?"
            set_actor(session, Actor(user_id=user.id, name=name))
            audit.record(session, action, entity_type="strategy_objective", entity_id=uuid.uuid4())


def set_export_expiry(
    database: Database, tenant: TenantRef, export_id: uuid.UUID, when: datetime
) -> None:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        with session.begin():
            export = session.get(DataExport, (tenant.id, export_id))
            assert export is not None
            export.expires_at = when


TABLES_WITH_TENANT_ID = text(
    """
    select c.relname from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname
    """
)


def rows_per_table(owner_url: str, tenant_id: uuid.UUID) -> dict[str, int]:
    """Rows of ``tenant_id`` in every table with a tenant_id column, read from the live
    catalog as the owner (no row-level security in the way), plus the tenant row."""
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            counts = {}
            for table in conn.execute(TABLES_WITH_TENANT_ID).scalars():
                counts[table] = conn.execute(
                    text(f'select count(*) from "{table}" where tenant_id = :t'), {"t": tenant_id}
                ).scalar_one()
            counts["tenants"] = conn.execute(
                text("select count(*) from tenants where id = :t"), {"t": tenant_id}
            ).scalar_one()
            return counts
    finally:
        engine.dispose()
