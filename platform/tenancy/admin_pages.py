"""Platform admin pages for municipalities: /admin/tenants — find, register, and assign
SayPro consultants (lead or support, for a period)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.service import set_actor
from saypro.platform.clock import SAST, today_sast
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import ConsultantRole, Permission
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.sign_in import actor_for
from saypro.platform.settings import Settings
from saypro.platform.staff import service as staff
from saypro.platform.tenancy import directory, lifecycle
from saypro.platform.tenancy.models import MunicipalCategory, Province
from saypro.platform.tenancy.service import create_tenant, record_registration
from saypro.platform.validation import Input
from saypro.platform.web.forms import attempt, validate_form

MANAGE_TENANTS = requires(Permission.TENANTS_MANAGE)
MANAGE_STAFF = requires(Permission.STAFF_MANAGE)
Session = NamedDependency[AsyncSession]
Form = URLEncodedBody[dict[str, Any]]
TenantId = FromPath[uuid.UUID]


class TenantForm(Input):
    name: Annotated[str, Field(min_length=3, max_length=200)]
    demarcation_code: Annotated[str, Field(min_length=2, max_length=10)]
    province: Province
    category: MunicipalCategory
    slug: Annotated[str | None, Field(default=None, max_length=63)] = None


class AssignmentForm(Input):
    user_id: uuid.UUID
    role: ConsultantRole
    starts_on: date
    ends_on: date | None = None


def _acting(request: Request[Principal, Any, Any], db_session: AsyncSession) -> None:
    user = request.user
    set_actor(db_session, actor_for(request, user.user_id, f"{user.full_name} (SayPro)"))


LIFECYCLE_ACTIONS: dict[str, Callable[..., object]] = {
    "suspend": lifecycle.suspend_tenant,
    "reactivate": lifecycle.reactivate_tenant,
    "close": lifecycle.close_tenant,
    "reopen": lifecycle.reopen_tenant,
}


class TenantAdminPages(Controller):
    path = "/admin/tenants"
    include_in_schema = False

    @get("/", name="admin:tenants", **MANAGE_TENANTS)
    async def list_page(
        self, db_session: Session, q: FromQuery[str] = "", page: FromQuery[int] = 1
    ) -> Template:
        found = await directory.search_tenants(db_session, q, page)
        return Template("admin/tenants.html", context={"found": found})

    def _new_form(
        self, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
    ) -> Template:
        return Template(
            "admin/tenant_new.html",
            context={
                "values": values,
                "errors": errors,
                "provinces": list(Province),
                "categories": list(MunicipalCategory),
            },
            status_code=status_code,
        )

    @get("/new", **MANAGE_TENANTS)
    async def new_page(self) -> Template:
        return self._new_form({}, {})

    @post("/", **MANAGE_TENANTS)
    async def create(
        self, request: Request[Principal, Any, Any], db_session: Session, data: Form
    ) -> Template | Redirect:
        parsed, errors = validate_form(TenantForm, data)
        if parsed is None:
            return self._new_form(data, errors, status_code=422)
        _acting(request, db_session)

        async def register() -> uuid.UUID:
            def in_sync(session: Any) -> uuid.UUID:
                tenant = create_tenant(
                    session,
                    name=parsed.name,
                    demarcation_code=parsed.demarcation_code,
                    province=parsed.province,
                    category=parsed.category,
                    slug=parsed.slug,
                )
                record_registration(session, tenant, "tenant.registered")
                return tenant.id

            return await db_session.run_sync(in_sync)

        created, refused = await attempt(db_session, register)
        if created is None:
            return self._new_form(data, refused, status_code=409)
        return Redirect(path=f"/admin/tenants/{created}")

    async def _detail(
        self,
        db_session: AsyncSession,
        tenant_id: uuid.UUID,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Template:
        tenant = await directory.get_tenant(db_session, tenant_id)
        return Template(
            "admin/tenant.html",
            context={
                "municipality": tenant,
                "assignments": await staff.assignments_for_tenant(db_session, tenant_id),
                "consultants": await staff.consultants(db_session),
                "roles": list(ConsultantRole),
                "today": today_sast(),
                "sast": SAST,
                "errors": errors or {},
                "values": values or {},
            },
            status_code=status_code,
        )

    @get("/{tenant_id:uuid}", **MANAGE_TENANTS)
    async def detail(self, db_session: Session, tenant_id: TenantId) -> Template:
        return await self._detail(db_session, tenant_id)

    @post("/{tenant_id:uuid}/status", **MANAGE_TENANTS)
    async def change_status(
        self,
        request: Request[Principal, Any, Any],
        db_session: Session,
        tenant_id: TenantId,
        data: Form,
    ) -> Template | Redirect:
        """Suspend (e.g. unpaid), reactivate, close (deleted after the grace period) or
        reopen a municipality; each change is on its own trail."""
        tenant = await directory.get_tenant(db_session, tenant_id)
        action = LIFECYCLE_ACTIONS.get(str(data.get("action", "")))
        if action is None:
            return await self._detail(
                db_session,
                tenant_id,
                errors={"status": "choose suspend, reactivate, close or reopen"},
                status_code=422,
            )
        _acting(request, db_session)
        settings: Settings = request.app.state.settings
        slug = tenant.slug

        def change(sync: Any) -> object:
            if action is lifecycle.close_tenant:
                return lifecycle.close_tenant(
                    sync, slug, grace_days=settings.tenant_deletion_grace_days
                )
            return action(sync, slug)

        async def run() -> object:
            return await db_session.run_sync(change)

        _, refused = await attempt(db_session, run)
        if refused:
            return await self._detail(db_session, tenant_id, errors=refused, status_code=409)
        return Redirect(path=f"/admin/tenants/{tenant_id}")

    @post("/{tenant_id:uuid}/consultants", **MANAGE_STAFF)
    async def assign(
        self,
        request: Request[Principal, Any, Any],
        db_session: Session,
        tenant_id: TenantId,
        data: Form,
    ) -> Template | Redirect:
        await directory.get_tenant(db_session, tenant_id)
        parsed, errors = validate_form(AssignmentForm, data)
        if parsed is None:
            return await self._detail(
                db_session, tenant_id, errors=errors, values=data, status_code=422
            )
        _acting(request, db_session)
        _, refused = await attempt(
            db_session,
            lambda: staff.assign(
                db_session,
                tenant_id=tenant_id,
                user_id=parsed.user_id,
                role=parsed.role,
                starts_on=parsed.starts_on,
                ends_on=parsed.ends_on,
            ),
        )
        if refused:
            return await self._detail(
                db_session, tenant_id, errors=refused, values=data, status_code=409
            )
        return Redirect(path=f"/admin/tenants/{tenant_id}")

    @post("/{tenant_id:uuid}/consultants/{user_id:uuid}/end", **MANAGE_STAFF)
    async def end(
        self,
        request: Request[Principal, Any, Any],
        db_session: Session,
        tenant_id: TenantId,
        user_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        _acting(request, db_session)
        _, refused = await attempt(
            db_session,
            lambda: staff.end_assignment(db_session, tenant_id=tenant_id, user_id=user_id),
        )
        if refused:
            return await self._detail(db_session, tenant_id, errors=refused, status_code=409)
        return Redirect(path=f"/admin/tenants/{tenant_id}")
