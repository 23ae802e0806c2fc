"""Reminder settings of a workspace and its reporting lines (who receives a member's
escalations). Tenant admins change both; every change is audited in the request's
transaction. Sending is in notify.py."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from saypro.platform.audit import service as audit
from saypro.platform.db.locks import lock_for_tenant
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import InvalidInput, NotFound
from saypro.platform.identity.models import Membership, User
from saypro.tenants.kpis.reminder_models import POLICY_FIELDS, ReminderSettings, ReportingLine
from saypro.tenants.kpis.reminder_schemas import (
    ReminderSettingsIn,
    ReminderSettingsRead,
    ReportingLineRead,
)
from saypro.tenants.kpis.schedule import Policy

SETTING_FIELDS = POLICY_FIELDS


async def _settings_row(
    session: AsyncSession, *, for_update: bool = False
) -> ReminderSettings | None:
    statement = select(ReminderSettings).where(
        ReminderSettings.tenant_id == require_tenant(session)
    )
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def policy(session: AsyncSession) -> Policy:
    row = await _settings_row(session)
    return row.policy() if row is not None else Policy()


async def read_settings(session: AsyncSession) -> ReminderSettingsRead:
    return ReminderSettingsRead.of(await policy(session))


async def update_settings(session: AsyncSession, data: ReminderSettingsIn) -> ReminderSettingsRead:
    wanted = data.policy()
    await lock_for_tenant(session, "kpi_reminder_settings")
    row = await _settings_row(session, for_update=True)
    before = None if row is None else audit.snapshot(row, SETTING_FIELDS)
    if row is None:
        row = ReminderSettings()
        session.add(row)
    for name in SETTING_FIELDS:
        setattr(row, name, getattr(wanted, name))
    await session.flush()
    audit.record(
        session,
        "kpis.reminders.updated",
        entity_type="kpi_reminder_settings",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row, SETTING_FIELDS),
    )
    return ReminderSettingsRead.of(row.policy())


# Reporting lines --------------------------------------------------------------------------


async def _membership(session: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    return await session.scalar(
        select(Membership).where(
            Membership.tenant_id == require_tenant(session), Membership.user_id == user_id
        )
    )


async def reporting_lines(session: AsyncSession) -> list[ReportingLineRead]:
    """Every member of the municipality with their manager (if one is set), by name."""
    tenant_id = require_tenant(session)
    manager = aliased(User)
    rows = await session.execute(
        select(User.id, User.full_name, ReportingLine.manager_id, manager.full_name)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            ReportingLine,
            (ReportingLine.tenant_id == tenant_id) & (ReportingLine.user_id == User.id),
        )
        .outerjoin(manager, manager.id == ReportingLine.manager_id)
        .where(Membership.tenant_id == tenant_id)
        .order_by(User.full_name, User.id)
    )
    return [
        ReportingLineRead(user_id=uid, full_name=name, manager_id=mid, manager_name=mname)
        for uid, name, mid, mname in rows.all()
    ]


async def set_manager(
    session: AsyncSession, user_id: uuid.UUID, manager_id: uuid.UUID | None
) -> ReportingLineRead:
    """Set (or, with ``None``, clear) the member's manager. The member is looked up in the
    bound municipality (404 otherwise); the manager must be another, active member."""
    if await _membership(session, user_id) is None:
        raise NotFound()
    if manager_id is not None:
        if manager_id == user_id:
            raise InvalidInput("a member cannot be their own manager", field="manager_id")
        manager = await _membership(session, manager_id)
        if manager is None:
            raise InvalidInput("is not a member of this municipality", field="manager_id")
        if manager.suspended_at is not None:
            raise InvalidInput(
                "is suspended in this municipality; choose an active member", field="manager_id"
            )
    line = await session.scalar(
        select(ReportingLine)
        .where(ReportingLine.tenant_id == require_tenant(session), ReportingLine.user_id == user_id)
        .with_for_update()
    )
    before = None if line is None else {"manager_id": str(line.manager_id)}
    if manager_id is None:
        if line is not None:
            await session.delete(line)
    elif line is None:
        line = ReportingLine(user_id=user_id, manager_id=manager_id)
        session.add(line)
    else:
        line.manager_id = manager_id
    await session.flush()
    after = None if manager_id is None else {"manager_id": str(manager_id)}
    if before != after:
        audit.record(
            session,
            "kpis.reporting_line.changed",
            entity_type="user",
            entity_id=user_id,
            before=before,
            after=after,
        )
    found = [row for row in await reporting_lines(session) if row.user_id == user_id]
    return found[0]
