"""TenantRepository: the tenant lock on every lookup, unique rules and their races,
literal search, and page bounds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.errors import Conflict, InvalidInput, NotFound
from saypro.platform.kit import TenantRepository, Unique, contains, escape_like
from saypro.platform.kit.fields import MAX_LIMIT, MAX_OFFSET
from saypro.platform.settings import DatabaseUrls
from saypro.tenants.strategy.models import Initiative, Objective
from tests.asyncio_runner import run_in_own_loop
from tests.factories import TenantRef
from tests.tenants.strategy.conftest import make_objective

CODE = Unique(
    index="uq_strategy_objectives_tenant_code",
    column="code",
    message="{value} is already used by another objective",
)
InTenant = Callable[..., Any]


class Objectives(TenantRepository[Objective]):
    model = Objective


class Initiatives(TenantRepository[Initiative]):
    model = Initiative


def _add(session: AsyncSession, *codes: str) -> None:
    for code in codes:
        session.add(Objective(code=code, title=f"Objective {code}"))


def test_another_tenants_id_is_not_found(
    database: Database, in_tenant: InTenant, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    theirs = make_objective(database, tenant_b)
    ours = make_objective(database, tenant_a)

    async def look(session: AsyncSession) -> None:
        objectives = Objectives.from_session(session)
        assert await objectives.get_one_or_none(theirs.objective_id) is None
        with pytest.raises(NotFound) as refused:
            await objectives.get(theirs.objective_id)
        with pytest.raises(NotFound) as missing:
            await objectives.get(uuid.uuid4())
        assert str(refused.value) == str(missing.value)  # the same 404 either way
        with pytest.raises(NotFound):
            await objectives.lock(theirs.objective_id)
        assert (await objectives.get(ours.objective_id)).code == "SO1"
        # A parent id in the route must match too: our initiative under their objective.
        initiatives = Initiatives(session)
        assert (
            await initiatives.get_one_or_none(ours.initiative_id, objective_id=theirs.objective_id)
            is None
        )
        found = await initiatives.get(ours.initiative_id, objective_id=ours.objective_id)
        assert found.id == ours.initiative_id
        with pytest.raises(TypeError):
            await objectives.get()  # no id and nothing to match is a programming error

    in_tenant(tenant_a, look)


def test_lock_holds_the_row_until_the_transaction_ends(
    database: Database, db_urls: DatabaseUrls, tenant_a: TenantRef
) -> None:
    ours = make_objective(database, tenant_a)

    async def scenario() -> None:
        own = Database.connect(db_urls.runtime, pool_size=3)
        try:
            async with own.async_sessions() as first, own.async_sessions() as second:
                await bind_tenant(first, tenant_a.id)
                await bind_tenant(second, tenant_a.id)
                await Objectives(first).lock(ours.objective_id)
                await second.execute(text("SET LOCAL lock_timeout = '200ms'"))
                with pytest.raises(DBAPIError, match="lock"):
                    await Objectives(second).lock(ours.objective_id)
                await second.rollback()
                # A plain read does not wait for the lock.
                await bind_tenant(second, tenant_a.id)
                assert (await Objectives(second).get(ours.objective_id)).code == "SO1"
                await first.rollback()
        finally:
            await own.async_engine.dispose()

    run_in_own_loop(scenario())


def test_a_taken_code_is_a_conflict_on_the_field(
    database: Database, in_tenant: InTenant, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    ours = make_objective(database, tenant_a, "SO1")
    make_objective(database, tenant_b, "SO2")

    async def check(session: AsyncSession) -> None:
        objectives = Objectives(session)
        assert await objectives.taken(CODE, "so1")  # any case
        with pytest.raises(Conflict) as taken:
            await objectives.check_unique(CODE, "So1")
        assert (taken.value.field, taken.value.message) == (
            "code",
            "So1 is already used by another objective",
        )
        await objectives.check_unique(CODE, "SO1", excluding=ours.objective_id)  # itself
        assert not await objectives.taken(CODE, "SO2")  # another tenant's code is free here

    in_tenant(tenant_a, check)


def test_the_race_after_the_check_gives_the_same_field_error(
    database: Database, in_tenant: InTenant, tenant_a: TenantRef
) -> None:
    make_objective(database, tenant_a, "SO1")

    async def race(session: AsyncSession) -> None:
        objectives = Objectives(session)
        with pytest.raises(Conflict) as raced:
            # In a savepoint, as a page's attempt() runs a service call.
            async with session.begin_nested():
                _add(session, "so1")  # as if another request took it after our check
                await objectives.flush_unique(CODE, "so1")
        assert (raced.value.field, raced.value.message) == (
            "code",
            "so1 is already used by another objective",
        )
        # The savepoints were undone: the session goes on and the race left nothing.
        assert await objectives.taken(CODE, "SO1")
        total = (await objectives.paginate(objectives.statement(), limit=10, offset=0))[1]
        assert total == 1

    in_tenant(tenant_a, race)


def test_another_integrity_error_is_not_turned_into_a_conflict(
    in_tenant: InTenant, tenant_a: TenantRef
) -> None:
    async def broken(session: AsyncSession) -> None:
        session.add(Objective(code="SO9", title=None))
        with pytest.raises(IntegrityError):
            await Objectives(session).flush_unique(CODE, "SO9")
        await session.rollback()

    in_tenant(tenant_a, broken)


def test_a_rule_unique_within_a_parent_needs_the_parent() -> None:
    rule = Unique(index="uq_x", column="code", within=("framework_id",), message="{value}")
    repository = Objectives(AsyncSession())
    with pytest.raises(TypeError, match="framework_id"):
        run_in_own_loop(repository.taken(rule, "A"))
    assert rule.field_name == "code"
    assert Unique(index="i", column="c", message="m", field="f").field_name == "f"


def test_like_wildcards_in_a_search_match_literally(
    in_tenant: InTenant, tenant_a: TenantRef
) -> None:
    async def search(session: AsyncSession) -> None:
        _add(session, "A%1", "AB1", "A_2", "AX2", "A\\3", "AA3")
        await session.flush()
        objectives = Objectives(session)

        async def codes(needle: str) -> list[str]:
            rows = await objectives.get_all(
                objectives.statement()
                .where(contains(needle, Objective.code, Objective.title))
                .order_by(Objective.code)
            )
            return [row.code for row in rows]

        assert await codes("%") == ["A%1"]
        assert await codes("_") == ["A_2"]
        assert await codes("\\") == ["A\\3"]
        assert await codes("a%") == ["A%1"]
        assert await codes("ab") == ["AB1"]  # and any case
        await session.rollback()

    in_tenant(tenant_a, search)
    assert escape_like("10%_\\") == "10\\%\\_\\\\"


def test_pages_cover_every_row_once_and_only_the_tenants(
    database: Database, in_tenant: InTenant, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    make_objective(database, tenant_b, "B1")

    async def pages(session: AsyncSession) -> None:
        _add(session, "E", "C", "A", "D", "B")
        await session.flush()
        objectives = Objectives(session)
        seen: list[str] = []
        for offset in (0, 2, 4):
            rows, total = await objectives.paginate(
                objectives.statement(), limit=2, offset=offset, order_by=[Objective.code]
            )
            assert total == 5
            seen += [row.code for row in rows]
        assert seen == ["A", "B", "C", "D", "E"]
        beyond, total = await objectives.paginate(objectives.statement(), limit=2, offset=10)
        assert (list(beyond), total) == ([], 5)
        for limit, offset, field in [
            (0, 0, "limit"),
            (MAX_LIMIT + 1, 0, "limit"),
            (10, -1, "offset"),
            (10, MAX_OFFSET + 1, "offset"),
        ]:
            with pytest.raises(InvalidInput) as refused:
                await objectives.paginate(objectives.statement(), limit=limit, offset=offset)
            assert refused.value.field == field
        await objectives.paginate(objectives.statement(), limit=MAX_LIMIT, offset=MAX_OFFSET)
        await session.rollback()

    in_tenant(tenant_a, pages)
