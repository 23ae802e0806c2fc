"""Finding municipalities for SayPro staff: search and pages, fast with many tenants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import NotFound
from saypro.platform.kit.search import contains
from saypro.platform.tenancy.models import Tenant

PAGE_SIZE = 50


@dataclass(frozen=True)
class TenantPage:
    tenants: Sequence[Tenant]
    page: int
    has_next: bool
    query: str


async def search_tenants(session: AsyncSession, query: str = "", page: int = 1) -> TenantPage:
    """Municipalities whose name, code or address matches ``query``, by name, a page at a
    time (one row beyond the page tells whether there is a next one, without a count)."""
    page = max(page, 1)
    statement = select(Tenant).order_by(Tenant.name, Tenant.id)
    needle = query.strip()
    if needle:
        statement = statement.where(
            or_(
                contains(needle, Tenant.name, Tenant.slug),
                func.upper(Tenant.demarcation_code) == needle.upper(),
            )
        )
    rows = (
        await session.scalars(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    ).all()
    return TenantPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE, needle)


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant
