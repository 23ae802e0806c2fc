"""Queries of the framework tables. Every id from a client is resolved here, scoped to
the session's bound tenant, and a row of another tenant is indistinguishable from no row."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from saypro.platform.kit import TenantRepository, Unique
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping

_CHUNKS = re.compile(r"(\d+)")


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts codes as people read them: 9.2 before 9.10, 16 after 9, 6.1 before 6.a."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in _CHUNKS.split(code)
        if part
    )


FRAMEWORK_NAME = Unique(
    index="uq_framework_frameworks_tenant_name",
    column="name",
    message="a framework named {value} already exists",
)
ITEM_CODE = Unique(
    index="uq_framework_items_tenant_framework_code",
    column="code",
    within=("framework_id",),
    message="{value} is already used by another item of this framework",
)


class FrameworkRepository(TenantRepository[Framework]):
    model = Framework

    async def list(self) -> Sequence[Framework]:
        order = list(FrameworkKind)
        return sorted(await self.get_all(), key=lambda f: (order.index(f.kind), f.name.lower()))

    async def item_counts(self) -> dict[uuid.UUID, int]:
        rows = await self.session.execute(
            select(FrameworkItem.framework_id, func.count())
            .where(FrameworkItem.tenant_id == self.tenant_id)
            .group_by(FrameworkItem.framework_id)
        )
        return {framework_id: int(count) for framework_id, count in rows}


class ItemRepository(TenantRepository[FrameworkItem]):
    model = FrameworkItem

    async def of_framework(self, framework_id: uuid.UUID) -> list[FrameworkItem]:
        rows = await self.get_all(
            self.statement().where(FrameworkItem.framework_id == framework_id)
        )
        return sorted(rows, key=lambda item: natural_key(item.code))


class MappingRepository(TenantRepository[Mapping]):
    model = Mapping

    async def of_items(self, item_ids: Iterable[uuid.UUID]) -> Sequence[Mapping]:
        ids = list(item_ids)
        if not ids:
            return []
        rows = await self.session.scalars(
            select(Mapping)
            .where(Mapping.tenant_id == self.tenant_id, Mapping.item_id.in_(ids))
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
        tenant = self.tenant_id
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
