"""Members pages: /t/{tenant_slug}/members — tenant admins change roles and remove members."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity import members
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission, Role
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.validation import Input
from saypro.platform.web.forms import attempt, validate_form

MANAGE = requires(Permission.MEMBERS_MANAGE)
Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
UserId = FromPath[uuid.UUID]
Form = URLEncodedBody[dict[str, Any]]


class RoleForm(Input):
    role: Annotated[Role, Field(description="The member's new role")]


def _message(errors: dict[str, str]) -> str:
    return "; ".join(errors.values())


class MemberPages(Controller):
    path = "/members"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "members/list.html",
            context={
                "tenant": tenant,
                "members": await members.list_members(db_session),
                "roles": list(Role),
                "error": error,
            },
            status_code=status_code,
        )

    @get("/", name="members:list", **MANAGE)
    async def list_page(self, db_session: Session, tenant: Tenant) -> Template:
        return await self._page(db_session, tenant)

    @post("/{user_id:uuid}/role", **MANAGE)
    async def change_role(
        self, db_session: Session, tenant: Tenant, user_id: UserId, data: Form
    ) -> Template | Redirect:
        parsed, errors = validate_form(RoleForm, data)
        if parsed is None:
            return await self._page(
                db_session, tenant, error=f"role: {errors.get('role')}", status_code=422
            )
        _, refused = await attempt(
            db_session, lambda: members.change_role(db_session, user_id, parsed.role)
        )
        if refused:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        return Redirect(path=f"/t/{tenant.slug}/members/")

    @post("/{user_id:uuid}/remove", **MANAGE)
    async def remove(
        self, db_session: Session, tenant: Tenant, user_id: UserId
    ) -> Template | Redirect:
        _, refused = await attempt(db_session, lambda: members.remove_member(db_session, user_id))
        if refused:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        return Redirect(path=f"/t/{tenant.slug}/members/")
