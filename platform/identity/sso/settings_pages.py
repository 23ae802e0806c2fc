"""Single sign-on settings: /t/{tenant_slug}/settings/sso — tenant admins register the
municipality's identity provider. The client secret is write-only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.sso import flow
from saypro.platform.identity.sso.configuration import (
    DEFAULT_ROLES,
    SsoSettingsInput,
    get_provider,
    save_provider,
    secret_box,
)
from saypro.platform.identity.sso.flow import SCOPES
from saypro.platform.identity.sso.models import SsoProvider
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import attempt, validate_form

MANAGE = requires(Permission.SSO_MANAGE)
Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
Form = URLEncodedBody[dict[str, Any]]


def _values(provider: SsoProvider | None) -> dict[str, Any]:
    if provider is None:
        return {"default_role": "viewer", "enabled": True, "sso_required": False}
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "allowed_domains": ", ".join(provider.allowed_domains),
        "default_role": provider.default_role.value,
        "sso_required": provider.sso_required,
        "enabled": provider.enabled,
    }


def _submitted(data: dict[str, Any]) -> dict[str, Any]:
    """What to show again after a refused save: never the secret."""
    values = {k: v for k, v in data.items() if k not in ("client_secret", "_csrf_token")}
    values["sso_required"] = "sso_required" in data
    values["enabled"] = "enabled" in data
    return values


class SsoSettingsPages(Controller):
    path = "/settings/sso"
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, State],
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        saved: bool = False,
        status_code: int = 200,
    ) -> Template:
        provider = await get_provider(db_session)
        return Template(
            "sso/settings.html",
            context={
                "tenant": tenant,
                "configured": provider is not None,
                "values": values if values is not None else _values(provider),
                "errors": errors or {},
                "roles": [(role.value, role.value.replace("_", " ")) for role in DEFAULT_ROLES],
                "redirect_uri": flow.callback_url(request, tenant.slug),
                "login_url": f"/login/{tenant.slug}",
                "scopes": SCOPES,
                "saved": saved,
            },
            status_code=status_code,
        )

    @get("/", name="sso:settings", **MANAGE)
    async def settings_page(
        self,
        request: Request[Any, Any, State],
        db_session: Session,
        tenant: Tenant,
        saved: FromQuery[bool] = False,
    ) -> Template:
        return await self._page(request, db_session, tenant, saved=saved)

    @post("/", **MANAGE)
    async def save(
        self,
        request: Request[Any, Any, State],
        db_session: Session,
        tenant: Tenant,
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(SsoSettingsInput, data)
        if parsed is None:
            return await self._page(
                request,
                db_session,
                tenant,
                values=_submitted(data),
                errors=errors,
                status_code=422,
            )
        box = secret_box(request.app.state.settings.require_secret_key())
        _, refused = await attempt(db_session, lambda: save_provider(db_session, parsed, box))
        if refused:
            return await self._page(
                request,
                db_session,
                tenant,
                values=_submitted(data),
                errors=refused,
                status_code=422,
            )
        return Redirect(path=f"/t/{tenant.slug}/settings/sso/", query_params={"saved": "true"})
