"""A municipality's sign-in security: /t/{tenant_slug}/settings/security, where its admins
decide whether members must sign in with a second factor."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity import two_factor
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.validation import Input
from saypro.platform.web.forms import validate_form

MANAGE = requires(Permission.MEMBERS_MANAGE)
Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]


class SecuritySettings(Input):
    # An unticked checkbox is not sent at all: absent means "not required".
    require_two_factor: Annotated[
        bool, Field(description="Members must sign in with an authenticator app code")
    ] = False


class TenantSecurityPages(Controller):
    path = "/settings/security"
    include_in_schema = False

    @get("/", name="settings:security", **MANAGE)
    async def page(
        self, db_session: Session, tenant: Tenant, saved: FromQuery[bool] = False
    ) -> Template:
        return await self._page(db_session, tenant, saved=saved)

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        saved: bool = False,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "settings/security.html",
            context={
                "tenant": tenant,
                "required": await two_factor.tenant_requires(db_session, tenant.id),
                "without": await two_factor.members_without_second_factor(db_session, tenant.id),
                "saved": saved,
                "errors": errors or {},
            },
            status_code=status_code,
        )

    @post("/", **MANAGE)
    async def save(
        self, db_session: Session, tenant: Tenant, data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        parsed, errors = validate_form(SecuritySettings, data)
        if parsed is None:
            return await self._page(db_session, tenant, errors=errors, status_code=422)
        await two_factor.set_tenant_requirement(db_session, tenant.id, parsed.require_two_factor)
        return Redirect(path=f"/t/{tenant.slug}/settings/security/", query_params={"saved": "1"})
