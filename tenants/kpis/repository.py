"""Queries of the KPI tables. Every id from a client is resolved here, scoped to the
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
from saypro.tenants.kpis.models import (
    ActualValue,
    Indicator,
    Settings,
    Target,
    TargetRevision,
)
from saypro.tenants.kpis.periods import Frequency


@dataclass(frozen=True)
class IndicatorFilters:
    frequency: Frequency | None = None
    owner_id: uuid.UUID | None = None
    department: str | None = None  # exact, any case
    search: str | None = None


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, indicator_id: uuid.UUID, *, for_update: bool = False) -> Indicator:
        statement = (
            select(Indicator)
            .where(
                Indicator.tenant_id == require_tenant(self.session), Indicator.id == indicator_id
            )
            .options(
                selectinload(Indicator.objective_links), selectinload(Indicator.initiative_links)
            )
        )
        if for_update:
            statement = statement.with_for_update(of=Indicator)
        indicator = await self.session.scalar(statement)
        if indicator is None:
            raise NotFound()
        return indicator

    async def code_taken(self, code: str, *, excluding: uuid.UUID | None = None) -> bool:
        statement = select(Indicator.id).where(
            Indicator.tenant_id == require_tenant(self.session),
            func.lower(Indicator.code) == code.lower(),
        )
        if excluding is not None:
            statement = statement.where(Indicator.id != excluding)
        return await self.session.scalar(statement.limit(1)) is not None

    async def formulas(self) -> dict[str, str | None]:
        """Every indicator's code and formula (for reference and cycle checks)."""
        rows = await self.session.execute(
            select(Indicator.code, Indicator.formula).where(
                Indicator.tenant_id == require_tenant(self.session)
            )
        )
        return {str(row.code): row.formula for row in rows}

    async def by_codes(self, codes: Sequence[str]) -> Sequence[Indicator]:
        lowered = [c.lower() for c in codes]
        rows = await self.session.scalars(
            select(Indicator).where(
                Indicator.tenant_id == require_tenant(self.session),
                func.lower(Indicator.code).in_(lowered),
            )
        )
        return rows.all()

    def _filtered(self, filters: IndicatorFilters) -> Select[Indicator]:
        statement = select(Indicator).where(Indicator.tenant_id == require_tenant(self.session))
        if filters.frequency is not None:
            statement = statement.where(Indicator.frequency == filters.frequency)
        if filters.owner_id is not None:
            statement = statement.where(Indicator.owner_id == filters.owner_id)
        if filters.department is not None:
            statement = statement.where(
                func.lower(Indicator.department) == filters.department.strip().lower()
            )
        if filters.search:
            escaped = filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            statement = statement.where(
                or_(Indicator.name.ilike(pattern), Indicator.code.ilike(pattern))
            )
        return statement

    async def list(
        self, filters: IndicatorFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[Indicator], int]:
        statement = self._filtered(filters)
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = await self.session.scalars(
            statement.order_by(func.lower(Indicator.code), Indicator.id).limit(limit).offset(offset)
        )
        return rows.all(), int(total or 0)


class TargetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_year(self, indicator_id: uuid.UUID, year: int) -> dict[int, Target]:
        rows = await self.session.scalars(
            select(Target).where(
                Target.tenant_id == require_tenant(self.session),
                Target.indicator_id == indicator_id,
                Target.financial_year == year,
            )
        )
        return {row.period: row for row in rows}

    async def revisions(self, target_ids: Sequence[uuid.UUID]) -> Sequence[TargetRevision]:
        if not target_ids:
            return []
        rows = await self.session.scalars(
            select(TargetRevision)
            .where(
                TargetRevision.tenant_id == require_tenant(self.session),
                TargetRevision.target_id.in_(list(target_ids)),
            )
            .order_by(TargetRevision.created_at, TargetRevision.id)
        )
        return rows.all()

    async def actuals(
        self, indicator_ids: Sequence[uuid.UUID], year: int
    ) -> dict[tuple[uuid.UUID, int], ActualValue]:
        rows = await self.session.scalars(
            select(ActualValue).where(
                ActualValue.tenant_id == require_tenant(self.session),
                ActualValue.indicator_id.in_(list(indicator_ids)),
                ActualValue.financial_year == year,
            )
        )
        return {(row.indicator_id, row.period): row for row in rows}


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, for_update: bool = False) -> Settings | None:
        statement = select(Settings).where(Settings.tenant_id == require_tenant(self.session))
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)
