"""A municipality's lifecycle: suspend, reactivate, close, reopen, and delete for good.

``active`` ⇄ ``suspended`` (e.g. unpaid: read-only, nothing is deleted), ``active`` or
``suspended`` → ``closed`` (read-only at once, deleted after the grace period unless
reopened) → deleted by :func:`purge_due_tenants`. See docs/privacy.md for the timeline.

These services take a synchronous session (the CLI, jobs); async callers (pages) use
``await session.run_sync(close_tenant, slug)``. They never commit. Each change is on
the municipality's own audit trail, and on the structured log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import bind_tenant_sync, bound_tenant
from saypro.platform.errors import Conflict, NotFound
from saypro.platform.privacy.models import TenantDeletion
from saypro.platform.privacy.storage import delete_tenant_files
from saypro.platform.settings import get_settings
from saypro.platform.tenancy.models import Tenant, TenantStatus

log = structlog.get_logger(__name__)
_LIFECYCLE_FIELDS = ("status", "closed_at", "delete_after")


def _locked(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    if tenant is None:
        raise NotFound(f"no municipality at /t/{slug}/")
    return tenant


def _record(session: Session, tenant: Tenant, action: str, before: dict[str, Any]) -> None:
    """Audit the change in the tenant's own trail (the session's binding is restored)."""
    previous = bound_tenant(session)
    bind_tenant_sync(session, tenant.id)
    try:
        audit.record(
            session,
            action,
            entity_type="tenant",
            entity_id=tenant.id,
            before=before,
            after=audit.snapshot(tenant, _LIFECYCLE_FIELDS),
        )
        session.flush()
    finally:
        bind_tenant_sync(session, previous)
    log.info(action, tenant_id=str(tenant.id), slug=tenant.slug, status=tenant.status.value)


def close_tenant(
    session: Session, slug: str, *, grace_days: int | None = None, now: datetime | None = None
) -> Tenant:
    """Close a municipality: read-only at once, deleted after the grace period."""
    tenant = _locked(session, slug)
    if tenant.status is TenantStatus.CLOSED:
        raise Conflict(
            f"{tenant.name} is already closed; it will be deleted after "
            f"{tenant.delete_after:%Y-%m-%d %H:%M} UTC",
            field="status",
        )
    before = audit.snapshot(tenant, _LIFECYCLE_FIELDS)
    moment = now or datetime.now(UTC)
    days = grace_days if grace_days is not None else get_settings().tenant_deletion_grace_days
    tenant.status = TenantStatus.CLOSED
    tenant.closed_at = moment
    tenant.delete_after = moment + timedelta(days=days)
    _record(session, tenant, "tenant.closed", before)
    return tenant


def reopen_tenant(session: Session, slug: str, *, now: datetime | None = None) -> Tenant:
    """Reopen a closed municipality within its grace period (its data is untouched)."""
    tenant = _locked(session, slug)
    if tenant.status is not TenantStatus.CLOSED:
        raise Conflict(f"{tenant.name} is not closed", field="status")
    moment = now or datetime.now(UTC)
    if tenant.delete_after is not None and tenant.delete_after <= moment:
        raise Conflict(
            f"the grace period of {tenant.name} ended on {tenant.delete_after:%Y-%m-%d}; "
            "its data is due for deletion",
            field="status",
        )
    before = audit.snapshot(tenant, _LIFECYCLE_FIELDS)
    tenant.status = TenantStatus.ACTIVE
    tenant.closed_at = None
    tenant.delete_after = None
    _record(session, tenant, "tenant.reopened", before)
    return tenant


def suspend_tenant(session: Session, slug: str) -> Tenant:
    """Suspend an active municipality: read-only, nothing deleted (e.g. unpaid)."""
    tenant = _locked(session, slug)
    if tenant.status is not TenantStatus.ACTIVE:
        raise Conflict(f"{tenant.name} is {tenant.status.value}, not active", field="status")
    before = audit.snapshot(tenant, _LIFECYCLE_FIELDS)
    tenant.status = TenantStatus.SUSPENDED
    _record(session, tenant, "tenant.suspended", before)
    return tenant


def reactivate_tenant(session: Session, slug: str) -> Tenant:
    tenant = _locked(session, slug)
    if tenant.status is not TenantStatus.SUSPENDED:
        hint = " (use reopen for a closed one)" if tenant.status is TenantStatus.CLOSED else ""
        raise Conflict(
            f"{tenant.name} is {tenant.status.value}, not suspended{hint}", field="status"
        )
    before = audit.snapshot(tenant, _LIFECYCLE_FIELDS)
    tenant.status = TenantStatus.ACTIVE
    _record(session, tenant, "tenant.reactivated", before)
    return tenant


@dataclass(frozen=True)
class Purged:
    tenant_id: uuid.UUID
    slug: str
    rows_deleted: dict[str, int]
    files_deleted: int


def due_tenant_ids(session: Session, now: datetime | None = None) -> list[uuid.UUID]:
    moment = now or datetime.now(UTC)
    return list(
        session.scalars(
            select(Tenant.id)
            .where(Tenant.status == TenantStatus.CLOSED, Tenant.delete_after <= moment)
            .order_by(Tenant.delete_after, Tenant.id)
        )
    )


def purge_tenant(session: Session, tenant_id: uuid.UUID) -> Purged | None:
    """Delete one closed municipality past its grace period: files, then every row with
    its ``tenant_id`` (the ``purge_tenant`` database function, see migration 0009), then
    the tenant row; leaves a :class:`TenantDeletion` record. ``None`` when it is not due
    (reopened meanwhile, or already deleted), so running it twice is harmless.

    Runs in a savepoint of the caller's transaction. Files go first, while the tenant
    row is locked: if the database part then fails, the tenant stays closed and due and
    the next run finishes it (the files were to be deleted either way)."""
    with session.begin_nested():
        tenant = session.scalar(
            select(Tenant)
            .where(
                Tenant.id == tenant_id,
                Tenant.status == TenantStatus.CLOSED,
                Tenant.delete_after <= datetime.now(UTC),
            )
            .with_for_update()
        )
        if tenant is None:
            return None
        record = TenantDeletion(
            former_tenant_id=tenant.id,
            slug=tenant.slug,
            name=tenant.name,
            demarcation_code=tenant.demarcation_code,
            closed_at=tenant.closed_at,
            delete_after=tenant.delete_after,
        )
        files = delete_tenant_files(tenant.id)
        counts = session.scalar(text("SELECT purge_tenant(:tenant)"), {"tenant": tenant.id})
        if counts is None:
            return None
        session.expunge(tenant)
        record.rows_deleted = dict(counts)
        record.files_deleted = files
        session.add(record)
        session.flush()
    rows = {str(k): int(v) for k, v in dict(counts).items()}
    log.warning(
        "tenant.deleted",
        tenant_id=str(record.former_tenant_id),
        slug=record.slug,
        rows=sum(rows.values()),
        files=files,
    )
    return Purged(record.former_tenant_id, record.slug, rows, files)


def purge_due_tenants(session: Session) -> list[Purged]:
    """Delete every closed municipality whose grace period has ended (idempotent)."""
    bind_tenant_sync(session, None)
    purged = []
    for tenant_id in due_tenant_ids(session):
        result = purge_tenant(session, tenant_id)
        if result is not None:
            purged.append(result)
    return purged
