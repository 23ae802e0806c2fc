"""Kit tests run on the real database as the runtime role, on an async session bound to
a tenant (the kit is async, as the web layer that uses it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.settings import DatabaseUrls
from tests.asyncio_runner import run_in_own_loop
from tests.factories import TenantRef

T = TypeVar("T")
Runner = Callable[[TenantRef, Callable[[AsyncSession], Awaitable[T]]], T]


@pytest.fixture
def in_tenant(db_urls: DatabaseUrls) -> Callable[..., object]:
    """``in_tenant(tenant, fn)``: run ``fn(session)`` on a session bound to the tenant
    and commit (the test's own tenants keep other tests' data apart)."""

    def run(tenant: TenantRef, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def scenario() -> T:
            own = Database.connect(db_urls.runtime, pool_size=2)
            try:
                async with own.async_sessions() as session:
                    await bind_tenant(session, tenant.id)
                    result = await action(session)
                    await session.commit()
                    return result
            finally:
                await own.async_engine.dispose()

        return run_in_own_loop(scenario())

    return run
