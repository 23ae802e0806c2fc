"""Queries of the strategy tables. Every id from a client is resolved here, scoped to the
session's bound tenant, and a row of another tenant is indistinguishable from no row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import NotFound
from saypro.tenants.strategy.models import Initiative, Objective, ObjectiveStatus


@dataclass(frozen=True)
class ObjectiveFilters:
    status: ObjectiveStatus | None = None
    owner_id: uuid.UUID | None = None
    search: str | None = None


class ObjectiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, objective_id: uuid.UUID, *, with_initiatives: bool = False) -> Objective:
        statement = select(Objective).where(
            Objective.tenant_id == require_tenant(self.session), Objective.id == objective_id
        )
        if with_initiatives:
            statement = statement.options(selectinload(Objective.initiatives))
        objective = await self.session.scalar(statement)
        if objective is None:
            raise NotFound()
        return objective

    async def code_taken(self, code: str, *, excluding: uuid.UUID | None = None) -> bool:
        statement = select(Objective.id).where(
            Objective.tenant_id == require_tenant(self.session),
            func.lower(Objective.code) == code.lower(),
        )
        if excluding is not None:
            statement = statement.where(Objective.id != excluding)
        return await self.session.scalar(statement.limit(1)) is not None

    def _filtered(self, filters: ObjectiveFilters) -> Select[Objective]:
        statement = select(Objective).where(Objective.tenant_id == require_tenant(self.session))
        if filters.status is not None:
            statement = statement.where(Objective.status == filters.status)
        if filters.owner_id is not None:
            statement = statement.where(Objective.owner_id == filters.owner_id)
        if filters.search:
            escaped = filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            statement = statement.where(
                or_(Objective.title.ilike(pattern), Objective.code.ilike(pattern))
            )
        return statement

    async def list(
        self, filters: ObjectiveFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[Objective], int]:
        statement = self._filtered(filters)
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = await self.session.scalars(
            statement.order_by(Objective.code, Objective.id).limit(limit).offset(offset)
        )
        return rows.all(), int(total or 0)


class InitiativeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, objective_id: uuid.UUID, initiative_id: uuid.UUID) -> Initiative:
        initiative = await self.session.scalar(
            select(Initiative).where(
                Initiative.tenant_id == require_tenant(self.session),
                Initiative.objective_id == objective_id,
                Initiative.id == initiative_id,
            )
        )
        if initiative is None:
            raise NotFound()
        return initiative
