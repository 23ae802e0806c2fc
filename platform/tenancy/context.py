"""The tenant a request works in, resolved from the URL and the user's membership."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.service import Actor, set_actor
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.identity.principal import AccessVia, Principal
from saypro.platform.tenancy.models import TenantStatus
from saypro.platform.web.context import current_request


@dataclass(frozen=True)
class CurrentTenant:
    id: uuid.UUID
    slug: str
    name: str
    # How the user's role here reads ("tenant admin", "lead consultant"); the role itself
    # stays on the principal, where the guard checks it.
    role_label: str
    status: TenantStatus = TenantStatus.ACTIVE
    via: AccessVia = AccessVia.MEMBERSHIP


async def provide_tenant(
    tenant_slug: FromPath[str], request: Request[Any, Any, Any]
) -> CurrentTenant:
    user = request.scope.get("user")
    access = user.access(tenant_slug) if isinstance(user, Principal) else None
    if access is None:
        raise NotFoundException()
    request_context = current_request()
    if request_context is not None:
        request_context.tenant_id = str(access.tenant_id)
    return CurrentTenant(
        id=access.tenant_id,
        slug=access.slug,
        name=access.name,
        role_label=access.role_label,
        status=access.status,
        via=access.via,
    )


async def provide_tenant_session(
    tenant: NamedDependency[CurrentTenant],
    raw_db_session: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
) -> AsyncSession:
    """The request's session, bound to the URL's tenant before any handler sees it, and
    carrying who acts (for the audit trail)."""
    await bind_tenant(raw_db_session, tenant.id)
    user = request.scope.get("user")
    context = current_request()
    name = "anonymous"
    if isinstance(user, Principal):
        # The trail says on whose behalf a consultant acted: SayPro's, not the municipality's.
        name = user.full_name
        if tenant.via is AccessVia.ASSIGNMENT:
            name = f"{user.full_name} (SayPro {tenant.role_label})"
    set_actor(
        raw_db_session,
        Actor(
            user_id=user.user_id if isinstance(user, Principal) else None,
            name=name,
            request_id=context.request_id if context else None,
            ip_address=request.client.host if request.client else None,
        ),
    )
    return raw_db_session


TENANT_DEPENDENCIES = {
    "tenant": Provide(provide_tenant),
    "db_session": Provide(provide_tenant_session),
}
