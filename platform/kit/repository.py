"""``TenantRepository[M]``: the queries every tenant-owned model needs, in one place.

Every id that arrives from a client is resolved here as ``tenant_id = :bound AND
id = :id`` (and any parent ids the route carries), so another tenant's row and no row
are indistinguishable: both raise :class:`~saypro.platform.errors.NotFound`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import ExecutableOption

from saypro.platform.db.base import TenantScoped
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.db.unique import flush_if_unique, flush_unique
from saypro.platform.errors import Conflict, InvalidInput, NotFound
from saypro.platform.kit.fields import MAX_LIMIT, MAX_OFFSET
from saypro.platform.kit.unique import Unique

M = TypeVar("M", bound=TenantScoped)


class TenantRepository(Generic[M]):
    """Subclass per model and set ``model``::

        class ObjectiveRepository(TenantRepository[Objective]):
            model = Objective

    ``get``/``get_one_or_none``/``lock`` take the row's id and, as keywords, any other
    columns it must match (``framework_id=...``), all scoped to the bound tenant.
    """

    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    @property
    def tenant_id(self) -> uuid.UUID:
        return require_tenant(self.session)

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        attribute: InstrumentedAttribute[Any] = getattr(self.model, name)
        return attribute

    def statement(self) -> Select[M]:
        """``SELECT model WHERE tenant_id = :bound``: the start of every query."""
        return select(self.model).where(self.column("tenant_id") == self.tenant_id)

    def _matching(self, row_id: uuid.UUID | None, match: dict[str, Any]) -> Select[M]:
        if row_id is not None:
            match = {"id": row_id, **match}
        if not match:
            raise TypeError("say which row: an id or columns to match")
        statement = self.statement()
        for name, value in match.items():
            statement = statement.where(self.column(name) == value)
        return statement

    async def get_one_or_none(
        self,
        row_id: uuid.UUID | None = None,
        /,
        *,
        for_update: bool = False,
        options: Sequence[ExecutableOption] = (),
        **match: Any,
    ) -> M | None:
        statement = self._matching(row_id, match).options(*options)
        if for_update:
            # OF the model: eager loads joined in must not lock other tables' rows.
            statement = statement.with_for_update(of=self.model)
        return await self.session.scalar(statement)

    async def get(
        self,
        row_id: uuid.UUID | None = None,
        /,
        *,
        for_update: bool = False,
        options: Sequence[ExecutableOption] = (),
        **match: Any,
    ) -> M:
        """The row, or the uniform 404 (missing and another tenant's look the same)."""
        found = await self.get_one_or_none(row_id, for_update=for_update, options=options, **match)
        if found is None:
            raise NotFound()
        return found

    async def lock(
        self,
        row_id: uuid.UUID | None = None,
        /,
        *,
        options: Sequence[ExecutableOption] = (),
        **match: Any,
    ) -> M:
        """``get`` with ``SELECT … FOR UPDATE``: concurrent writers of the row wait."""
        return await self.get(row_id, for_update=True, options=options, **match)

    async def get_all(self, statement: Select[M] | None = None) -> Sequence[M]:
        rows = await self.session.scalars(self.statement() if statement is None else statement)
        return rows.all()

    async def paginate(
        self,
        statement: Select[M],
        *,
        limit: int,
        offset: int,
        order_by: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]] = (),
    ) -> tuple[Sequence[M], int]:
        """One page of ``statement`` (ordered by ``order_by``, then id, so pages never
        overlap) and the total number of rows it matches."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"must be from 1 to {MAX_LIMIT}", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise InvalidInput(f"must be from 0 to {MAX_OFFSET}", field="offset")
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = await self.session.scalars(
            statement.order_by(*order_by, self.column("id")).limit(limit).offset(offset)
        )
        return rows.all(), int(total or 0)

    # Unique values -----------------------------------------------------------------

    async def taken(
        self, rule: Unique, value: str, *, excluding: uuid.UUID | None = None, **within: Any
    ) -> bool:
        """Whether another row (of the tenant, within ``rule.within``) has ``value``,
        ignoring case."""
        missing = set(rule.within) - set(within)
        if missing:
            raise TypeError(f"{rule.index} is unique within {sorted(missing)}: pass them")
        statement = select(self.column("id")).where(
            self.column("tenant_id") == self.tenant_id,
            func.lower(self.column(rule.column)) == value.lower(),
        )
        for name in rule.within:
            statement = statement.where(self.column(name) == within[name])
        if excluding is not None:
            statement = statement.where(self.column("id") != excluding)
        return await self.session.scalar(statement.limit(1)) is not None

    async def check_unique(
        self, rule: Unique, value: str, *, excluding: uuid.UUID | None = None, **within: Any
    ) -> None:
        """A 409 on the rule's field when ``value`` is taken."""
        if await self.taken(rule, value, excluding=excluding, **within):
            raise Conflict(rule.message_for(value), field=rule.field_name)

    async def flush_unique(self, rule: Unique, value: str) -> None:
        """Flush; a concurrent request that took ``value`` after the check becomes the
        same 409 the check gives (any other integrity error is raised as it is)."""
        await flush_unique(self.session, rule.index, rule.message_for(value), rule.field_name)

    async def flush_if_unique(self, index: str) -> bool:
        """Flush; False when it violated the unique ``index`` (a concurrent request wrote
        the same row first, and the savepoint is undone): for writes that are done
        either way, such as mapping something twice."""
        return await flush_if_unique(self.session, index)
