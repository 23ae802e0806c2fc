"""A municipality's first save of a settings row, twice at once: the second waits for
the first and then changes the row it created (no unique-index error, no lost save)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant, bind_tenant_sync
from saypro.platform.settings import DatabaseUrls
from saypro.tenants.kpis import reminders
from saypro.tenants.kpis.reminder_models import ReminderSettings
from saypro.tenants.kpis.reminder_schemas import ReminderSettingsIn
from tests.asyncio_runner import run_in_own_loop
from tests.factories import TenantRef

WAIT_FOR_LOCK_S = 10.0


async def _someone_waits_for_a_lock(database: Database) -> None:
    """Return once a transaction is waiting for a lock (the second save, behind the
    first: on the advisory lock, or without it on the first's uncommitted row)."""
    deadline = asyncio.get_running_loop().time() + WAIT_FOR_LOCK_S
    while asyncio.get_running_loop().time() < deadline:
        async with database.async_engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE NOT granted")
            )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the second save never waited for the first")


def test_two_first_saves_of_the_reminder_settings_at_once(
    database: Database, db_urls: DatabaseUrls, tenant_a: TenantRef
) -> None:
    async def scenario() -> None:
        own = Database.connect(db_urls.runtime, pool_size=3)
        try:
            async with own.async_sessions() as first, own.async_sessions() as second:

                async def save(session: AsyncSession, days_before: int) -> None:
                    await bind_tenant(session, tenant_a.id)
                    await reminders.update_settings(
                        session, ReminderSettingsIn(days_before=days_before)
                    )
                    await session.commit()

                await bind_tenant(first, tenant_a.id)
                await reminders.update_settings(first, ReminderSettingsIn(days_before=3))
                later = asyncio.create_task(save(second, 5))
                await _someone_waits_for_a_lock(own)
                await first.commit()
                await later
        finally:
            await own.async_engine.dispose()

    run_in_own_loop(scenario())
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        assert session.scalar(select(func.count()).select_from(ReminderSettings)) == 1
        assert session.scalars(select(ReminderSettings.days_before)).one() == 5
