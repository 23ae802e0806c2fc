"""JSON API of getting data in: /api/v1/t/{tenant_slug}/kpis/reminders (settings),
/kpis/reporting-lines (members' managers) and /kpis/completion (figures)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.kpis import reminders
from saypro.tenants.kpis.completion import completion
from saypro.tenants.kpis.periods import FinancialYear
from saypro.tenants.kpis.reminder_schemas import (
    Completion,
    ManagerIn,
    ReminderSettingsIn,
    ReminderSettingsRead,
    ReportingLineRead,
)

READ = requires(Permission.KPIS_READ)
MANAGE = requires(Permission.KPIS_REMINDERS)


class ReminderApi(Controller):
    path = "/kpis/reminders"
    tags = ["KPIs"]

    @get("/", summary="The workspace's reminder settings", **READ)
    async def get_settings(self, db_session: NamedDependency[AsyncSession]) -> ReminderSettingsRead:
        return await reminders.read_settings(db_session)

    @put("/", summary="Change the reminder settings (tenant admins)", **MANAGE)
    async def set_settings(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[ReminderSettingsIn]
    ) -> ReminderSettingsRead:
        return await reminders.update_settings(db_session, data)


class ReportingLineApi(Controller):
    path = "/kpis/reporting-lines"
    tags = ["KPIs"]

    @get(
        "/",
        summary="Every member with the manager who receives their escalations (tenant admins)",
        **MANAGE,
    )
    async def list_lines(
        self, db_session: NamedDependency[AsyncSession]
    ) -> list[ReportingLineRead]:
        return await reminders.reporting_lines(db_session)

    @put(
        "/{user_id:uuid}",
        summary="Set or clear (null) a member's manager (tenant admins)",
        **MANAGE,
    )
    async def set_manager(
        self,
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[ManagerIn],
    ) -> ReportingLineRead:
        return await reminders.set_manager(db_session, user_id, data.manager_id)


class CompletionApi(Controller):
    path = "/kpis/completion"
    tags = ["KPIs"]

    @get(
        "/",
        summary="Share of due indicator-periods reported, approved and overdue",
        description="In total, per quarter, per owner and per department; for the financial "
        "year (default: the current one) and, optionally, one quarter.",
        **READ,
    )
    async def get_completion(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        financial_year: Annotated[int | None, QueryParameter(ge=2000, le=2099)] = None,
        quarter: Annotated[int | None, QueryParameter(ge=1, le=4)] = None,
    ) -> Completion:
        today = today_sast()
        year = financial_year or FinancialYear.containing(today).start_year
        return await completion(db_session, tenant.id, year, quarter, today)
