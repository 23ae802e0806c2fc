"""Transaction-scoped advisory locks for "create it if it is not there" rows.

A municipality's settings rows (one per tenant: the status scale, reminders, the public
dashboard) are created by the first save. Two first saves at once would both find no row
and both insert it; the loser would hit the unique index. Taking this lock first makes the
second wait for the first to commit, and then it finds the row.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.tenancy import require_tenant


async def lock_for_tenant(session: AsyncSession, name: str) -> None:
    """Hold ``name`` for the bound tenant until the transaction ends (waits if another
    transaction holds it)."""
    key = func.hashtextextended(f"{name}:{require_tenant(session)}", 0)
    await session.execute(select(func.pg_advisory_xact_lock(key)))
