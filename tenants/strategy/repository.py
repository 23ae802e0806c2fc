"""Queries of the strategy tables. Every id from a client is resolved here, scoped to the
session's bound tenant, and a row of another tenant is indistinguishable from no row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from saypro.platform.kit import TenantRepository, Unique, contains
from saypro.tenants.strategy.models import Initiative, Objective, ObjectiveStatus

OBJECTIVE_CODE = Unique(
    index="uq_strategy_objectives_tenant_code",
    column="code",
    message="{value} is already used by another objective",
)


@dataclass(frozen=True)
class ObjectiveFilters:
    status: ObjectiveStatus | None = None
    owner_id: uuid.UUID | None = None
    search: str | None = None


class ObjectiveRepository(TenantRepository[Objective]):
    model = Objective

    async def get_with_initiatives(self, objective_id: uuid.UUID) -> Objective:
        return await self.get(objective_id, options=[selectinload(Objective.initiatives)])

    def _filtered(self, filters: ObjectiveFilters) -> Select[Objective]:
        statement = self.statement()
        if filters.status is not None:
            statement = statement.where(Objective.status == filters.status)
        if filters.owner_id is not None:
            statement = statement.where(Objective.owner_id == filters.owner_id)
        if filters.search:
            statement = statement.where(contains(filters.search, Objective.title, Objective.code))
        return statement

    async def list(
        self, filters: ObjectiveFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[Objective], int]:
        return await self.paginate(
            self._filtered(filters), limit=limit, offset=offset, order_by=[Objective.code]
        )


class InitiativeRepository(TenantRepository[Initiative]):
    model = Initiative
