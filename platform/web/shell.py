"""The workspace shell: the landing page of one municipality's workspace."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.principal import Principal
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.onboarding import checklist


@get("/", name="workspace", include_in_schema=False, **requires(Permission.WORKSPACE_READ))
async def workspace_home(
    request: Request[Principal, Any, Any],
    tenant: NamedDependency[CurrentTenant],
    db_session: NamedDependency[AsyncSession],
) -> Template:
    return Template(
        "workspace.html",
        context={
            "tenant": tenant,
            "onboarding": await checklist(db_session, tenant, request.user),
        },
    )
