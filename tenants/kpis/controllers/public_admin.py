"""Choosing what the public performance dashboard shows: its settings and each
indicator's public flag, in the JSON API (/api/v1/t/{tenant_slug}/kpis/public) and on the
page /t/{tenant_slug}/kpis/public. Reading the settings needs ``kpis.read``; changing
them ``kpis.public.manage`` (tenant admins and the lead consultant)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import UNPROCESSABLE, attempt, validate_form
from saypro.tenants.kpis import public_service
from saypro.tenants.kpis.controllers.views import (
    Form,
    IndicatorId,
    Session,
    Tenant,
    indicators_url,
    multi,
)
from saypro.tenants.kpis.public_schemas import (
    PublicFlagIn,
    PublicFlagRead,
    PublicSettingsIn,
    PublicSettingsRead,
)
from saypro.tenants.kpis.repository import IndicatorFilters
from saypro.tenants.kpis.service import list_indicators

READ = requires(Permission.KPIS_READ)
PUBLISH = requires(Permission.KPIS_PUBLISH)
# The settings page lists every indicator with its box; a workspace has a few hundred.
MAX_LISTED = 1000


class PublicApi(Controller):
    path = "/kpis/public"
    tags = ["KPIs: public dashboard"]

    @get("/", summary="The public dashboard's settings and public indicators", **READ)
    async def get_settings(self, db_session: NamedDependency[AsyncSession]) -> PublicSettingsRead:
        return await public_service.settings_read(db_session)

    @put(
        "/",
        summary="Switch the public dashboard on or off; title, text, embedding sites",
        **PUBLISH,
    )
    async def set_settings(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[PublicSettingsIn]
    ) -> PublicSettingsRead:
        return await public_service.update_settings(db_session, data)

    @put(
        "/indicators/{indicator_id:uuid}",
        summary="Show or hide an indicator on the public dashboard",
        **PUBLISH,
    )
    async def set_flag(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        data: JSONBody[PublicFlagIn],
    ) -> PublicFlagRead:
        return await public_service.set_public(db_session, indicator_id, data.public)


def _settings_form(form: Mapping[str, Any]) -> dict[str, Any]:
    origins = str(form.get("allowed_origins") or "")
    return {
        "enabled": form.get("enabled") == "on",
        "title": form.get("title") or "",
        "introduction": form.get("introduction") or "",
        "allowed_origins": [line for line in origins.splitlines() if line.strip()],
    }


class PublicPages(Controller):
    path = "/kpis/public"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        values: Mapping[str, Any],
        chosen: set[str],
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        indicators, total = await list_indicators(
            db_session, IndicatorFilters(), limit=MAX_LISTED, offset=0
        )
        return Template(
            "kpis/public_settings.html",
            context={
                "tenant": tenant,
                "values": values,
                "chosen": chosen,
                "errors": errors or {},
                "indicators": indicators,
                "total": total,
            },
            status_code=status_code,
        )

    @get("/", name="kpis:public", **READ)
    async def settings_page(self, db_session: Session, tenant: Tenant) -> Template:
        current = await public_service.settings_read(db_session)
        values = current.model_dump()
        values["allowed_origins"] = "\n".join(current.allowed_origins)
        chosen = {str(i) for i in current.public_indicator_ids}
        return await self._page(db_session, tenant, values=values, chosen=chosen)

    @post("/", **PUBLISH)
    async def save_settings(
        self, db_session: Session, tenant: Tenant, data: Form
    ) -> Template | Redirect:
        raw = _settings_form(data)
        chosen = set(multi(data, "public_ids"))
        parsed, errors = validate_form(PublicSettingsIn, raw, lists=("allowed_origins",))
        if parsed is not None:
            _, errors = await attempt(db_session, lambda: _save(db_session, parsed, chosen))
        if not errors:
            return Redirect(path=f"/t/{tenant.slug}/kpis/public")
        values = {**raw, "allowed_origins": str(data.get("allowed_origins") or "")}
        return await self._page(
            db_session,
            tenant,
            values=values,
            chosen=chosen,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @post("/indicators/{indicator_id:uuid}", **PUBLISH)
    async def set_flag(
        self, db_session: Session, tenant: Tenant, indicator_id: IndicatorId, data: Form
    ) -> Redirect:
        public = data.get("public") == "on"
        await public_service.set_public(db_session, indicator_id, public)
        return Redirect(path=indicators_url(tenant, indicator_id))


async def _save(db_session: AsyncSession, settings: PublicSettingsIn, chosen: set[str]) -> None:
    """The settings and every indicator's flag from the page's boxes (boxes of
    indicators that are not in the municipality find nothing and change nothing)."""
    await public_service.update_settings(db_session, settings)
    indicators, _ = await list_indicators(
        db_session, IndicatorFilters(), limit=MAX_LISTED, offset=0
    )
    for indicator in indicators:
        wanted = str(indicator.id) in chosen
        if indicator.public != wanted:
            await public_service.set_public(db_session, indicator.id, wanted)
