"""SayPro always keeps a platform admin: the rule is checked on a database of its own, where
the number of platform admins is known."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from saypro.platform.db.engine import Database
from saypro.platform.errors import Conflict
from saypro.platform.identity.permissions import StaffRole
from saypro.platform.staff import service as staff
from tests import servers
from tests.asyncio_runner import run_in_own_loop
from tests.factories import UserRef, make_staff


@pytest.fixture
def own_database(admin_url: str) -> Iterator[Database]:
    with servers.fresh_database(admin_url) as urls:
        database = Database.connect(urls.runtime, pool_size=1)
        yield database
        database.sync_engine.dispose()


def test_the_last_platform_admin_cannot_lose_the_role(own_database: Database) -> None:
    first = make_staff(own_database, StaffRole.PLATFORM_ADMIN)
    second = make_staff(own_database, StaffRole.PLATFORM_ADMIN)

    async def change(target: UserRef, acting: UserRef) -> None:
        async with own_database.async_sessions() as session, session.begin():
            await staff.change_staff_role(
                session, target.id, StaffRole.CONSULTANT, acting_user=acting.id
            )

    async def scenario() -> None:
        await change(second, first)  # two admins: one may step down
        with pytest.raises(Conflict, match="at least one platform admin"):
            await change(first, second)  # not the last one
        await own_database.async_engine.dispose()

    run_in_own_loop(scenario())
