"""Reading the bound tenant's audit trail with filters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.models import AuditEvent
from saypro.platform.clock import SAST
from saypro.platform.db.tenancy import require_tenant

# Municipal users read dates in South African time.


@dataclass(frozen=True)
class AuditFilters:
    actor_id: uuid.UUID | None = None
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive


def _filtered(session: AsyncSession, filters: AuditFilters) -> Select[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.tenant_id == require_tenant(session))
    if filters.actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.entity_type:
        statement = statement.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == filters.entity_id)
    if filters.date_from is not None:
        start = datetime.combine(filters.date_from, time.min, tzinfo=SAST)
        statement = statement.where(AuditEvent.occurred_at >= start)
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=SAST)
        statement = statement.where(AuditEvent.occurred_at < end)
    return statement


async def list_events(
    session: AsyncSession, filters: AuditFilters, *, limit: int, offset: int
) -> tuple[Sequence[AuditEvent], int]:
    statement = _filtered(session, filters)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.scalars(
        statement.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)
    )
    return rows.all(), int(total or 0)


async def all_events(session: AsyncSession, filters: AuditFilters) -> Sequence[AuditEvent]:
    rows = await session.scalars(_filtered(session, filters).order_by(AuditEvent.seq))
    return rows.all()


async def entity_types(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(AuditEvent.entity_type)
        .where(AuditEvent.tenant_id == require_tenant(session))
        .distinct()
        .order_by(AuditEvent.entity_type)
    )
    return list(rows)
