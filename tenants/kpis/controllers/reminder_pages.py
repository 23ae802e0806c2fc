"""Web pages of getting data in: /t/{tenant_slug}/kpis/reminders (settings and members'
managers; tenant admins change them) and /kpis/completion (the completion dashboard)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import UNPROCESSABLE, attempt, validate_form
from saypro.tenants.kpis import reminders
from saypro.tenants.kpis.completion import completion
from saypro.tenants.kpis.controllers.views import Form, Session, Tenant, render
from saypro.tenants.kpis.periods import FinancialYear
from saypro.tenants.kpis.reminder_schemas import ManagerIn, ReminderSettingsIn, Weekday

READ = requires(Permission.KPIS_READ)
MANAGE = requires(Permission.KPIS_REMINDERS)


class ReminderPages(Controller):
    path = "/kpis/reminders"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        if "values" not in context:
            context["values"] = (await reminders.read_settings(db_session)).model_dump(mode="json")
        return await render(
            "kpis/reminders.html",
            db_session,
            tenant,
            lines=await reminders.reporting_lines(db_session),
            weekday_options=[(day.value, day.value.capitalize()) for day in Weekday],
            status_code=status_code,
            **context,
        )

    @get("/", name="kpis:reminders", **READ)
    async def reminders_page(self, db_session: Session, tenant: Tenant) -> Template:
        return await self._page(db_session, tenant)

    @post("/", **MANAGE)
    async def save_settings(
        self, db_session: Session, tenant: Tenant, data: Form
    ) -> Template | Redirect:
        # An unticked checkbox is not sent at all: its absence means "off".
        fields = {**data, "enabled": "true" if data.get("enabled") else "false"}
        parsed, errors = validate_form(ReminderSettingsIn, fields)
        if parsed is not None:
            checked = parsed
            _, errors = await attempt(
                db_session, lambda: reminders.update_settings(db_session, checked)
            )
        if not errors:
            return Redirect(path=f"/t/{tenant.slug}/kpis/reminders")
        values = {k: v[-1] if isinstance(v, list) and v else v for k, v in fields.items()}
        values["enabled"] = fields["enabled"] == "true"
        return await self._page(
            db_session, tenant, values=values, errors=errors, status_code=UNPROCESSABLE
        )

    @post("/managers/{user_id:uuid}", **MANAGE)
    async def set_manager(
        self, db_session: Session, tenant: Tenant, user_id: FromPath[uuid.UUID], data: Form
    ) -> Template | Redirect:
        parsed, errors = validate_form(ManagerIn, {"manager_id": data.get("manager_id") or None})
        if parsed is not None:
            manager_id = parsed.manager_id
            _, errors = await attempt(
                db_session, lambda: reminders.set_manager(db_session, user_id, manager_id)
            )
        if not errors:
            return Redirect(path=f"/t/{tenant.slug}/kpis/reminders#managers")
        return await self._page(
            db_session,
            tenant,
            errors={f"manager_{user_id}": errors.get("manager_id") or next(iter(errors.values()))},
            status_code=UNPROCESSABLE,
        )


class CompletionPages(Controller):
    path = "/kpis/completion"
    include_in_schema = False

    @get("/", name="kpis:completion", **READ)
    async def completion_page(
        self,
        db_session: Session,
        tenant: Tenant,
        year: Annotated[int | None, QueryParameter(ge=2000, le=2099)] = None,
        quarter: Annotated[int | None, QueryParameter(ge=1, le=4)] = None,
    ) -> Template:
        today = today_sast()
        fy = FinancialYear(year) if year else FinancialYear.containing(today)
        figures = await completion(db_session, tenant.id, fy.start_year, quarter, today)
        return await render(
            "kpis/completion.html",
            db_session,
            tenant,
            figures=figures,
            year=fy,
            quarter=quarter,
            years=[FinancialYear(fy.start_year + delta) for delta in (-1, 0, 1)],
        )
