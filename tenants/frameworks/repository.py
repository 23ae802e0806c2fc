"""Queries of the framework tables. Every id from a client is resolved here, scoped to
the session's bound tenant, and a row of another tenant is indistinguishable from no row."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import NotFound
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping

_CHUNKS = re.compile(r"(\d+)")


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts codes as people read them: 9.2 before 9.10, 16 after 9, 6.1 before 6.a."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in _CHUNKS.split(code)
        if part
    )


class FrameworkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, framework_id: uuid.UUID) -> Framework:
        framework = await self.session.scalar(
            select(Framework).where(
                Framework.tenant_id == require_tenant(self.session), Framework.id == framework_id
            )
        )
        if framework is None:
            raise NotFound()
        return framework

    async def list(self) -> Sequence[Framework]:
        rows = await self.session.scalars(
            select(Framework).where(Framework.tenant_id == require_tenant(self.session))
        )
        order = list(FrameworkKind)
        return sorted(rows.all(), key=lambda f: (order.index(f.kind), f.name.lower()))

    async def item_counts(self) -> dict[uuid.UUID, int]:
        rows = await self.session.execute(
            select(FrameworkItem.framework_id, func.count())
            .where(FrameworkItem.tenant_id == require_tenant(self.session))
            .group_by(FrameworkItem.framework_id)
        )
        return {framework_id: int(count) for framework_id, count in rows}

    async def name_taken(self, name: str, *, excluding: uuid.UUID | None = None) -> bool:
        statement = select(Framework.id).where(
            Framework.tenant_id == require_tenant(self.session),
            func.lower(Framework.name) == name.lower(),
        )
        if excluding is not None:
            statement = statement.where(Framework.id != excluding)
        return await self.session.scalar(statement.limit(1)) is not None


class ItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, framework_id: uuid.UUID, item_id: uuid.UUID) -> FrameworkItem:
        item = await self.session.scalar(
            select(FrameworkItem).where(
                FrameworkItem.tenant_id == require_tenant(self.session),
                FrameworkItem.framework_id == framework_id,
                FrameworkItem.id == item_id,
            )
        )
        if item is None:
            raise NotFound()
        return item

    async def of_framework(self, framework_id: uuid.UUID) -> list[FrameworkItem]:
        rows = await self.session.scalars(
            select(FrameworkItem).where(
                FrameworkItem.tenant_id == require_tenant(self.session),
                FrameworkItem.framework_id == framework_id,
            )
        )
        return sorted(rows.all(), key=lambda item: natural_key(item.code))

    async def code_taken(
        self, framework_id: uuid.UUID, code: str, *, excluding: uuid.UUID | None = None
    ) -> bool:
        statement = select(FrameworkItem.id).where(
            FrameworkItem.tenant_id == require_tenant(self.session),
            FrameworkItem.framework_id == framework_id,
            func.lower(FrameworkItem.code) == code.lower(),
        )
        if excluding is not None:
            statement = statement.where(FrameworkItem.id != excluding)
        return await self.session.scalar(statement.limit(1)) is not None


class MappingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, item_id: uuid.UUID, indicator_id: uuid.UUID) -> Mapping | None:
        return await self.session.scalar(
            select(Mapping).where(
                Mapping.tenant_id == require_tenant(self.session),
                Mapping.item_id == item_id,
                Mapping.indicator_id == indicator_id,
            )
        )

    async def of_items(self, item_ids: Iterable[uuid.UUID]) -> Sequence[Mapping]:
        ids = list(item_ids)
        if not ids:
            return []
        rows = await self.session.scalars(
            select(Mapping)
            .where(Mapping.tenant_id == require_tenant(self.session), Mapping.item_id.in_(ids))
            .order_by(Mapping.created_at, Mapping.id)
        )
        return rows.all()

    async def of_indicator(
        self, indicator_id: uuid.UUID
    ) -> Sequence[tuple[Framework, FrameworkItem]]:
        return [(f, i) for _id, f, i in await self.of_indicators([indicator_id])]

    async def of_indicators(
        self, indicator_ids: Iterable[uuid.UUID]
    ) -> list[tuple[uuid.UUID, Framework, FrameworkItem]]:
        """(indicator id, framework, item) of every mapping of the indicators, by
        framework name and item code."""
        ids = list(indicator_ids)
        if not ids:
            return []
        tenant = require_tenant(self.session)
        rows = await self.session.execute(
            select(Mapping.indicator_id, Framework, FrameworkItem)
            .join(
                FrameworkItem,
                (FrameworkItem.tenant_id == Framework.tenant_id)
                & (FrameworkItem.framework_id == Framework.id),
            )
            .join(
                Mapping,
                (Mapping.tenant_id == FrameworkItem.tenant_id)
                & (Mapping.item_id == FrameworkItem.id),
            )
            .where(Framework.tenant_id == tenant, Mapping.indicator_id.in_(ids))
        )
        found = [(indicator_id, framework, item) for indicator_id, framework, item in rows]
        return sorted(found, key=lambda f: (f[1].name.lower(), natural_key(f[2].code)))
