"""Business rules of reporting frameworks, their items and indicator mappings. Services
never commit: the request that calls them owns the transaction, and every write is
audited in it. Indicators are read through the KPI module's service only."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.errors import Conflict, InvalidInput, NotFound
from saypro.platform.kit import AuditTrail, apply_changes
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping
from saypro.tenants.frameworks.repository import (
    FRAMEWORK_NAME,
    ITEM_CODE,
    FrameworkRepository,
    ItemRepository,
    MappingRepository,
    natural_key,
)
from saypro.tenants.frameworks.schemas import (
    FrameworkCreate,
    FrameworkUpdate,
    ItemCreate,
    ItemUpdate,
)
from saypro.tenants.kpis import service as kpis

FRAMEWORKS = AuditTrail("frameworks.framework", "framework", ("kind", "name", "description"))
ITEMS = AuditTrail(
    "frameworks.item",
    "framework_item",
    ("framework_id", "parent_id", "code", "title", "description"),
)
MAPPINGS = AuditTrail("frameworks.mapping", "framework_mapping")


# Reading -------------------------------------------------------------------------------


@dataclass
class TreeItem:
    """An item with its place in the framework's tree."""

    item: FrameworkItem
    depth: int
    indicator_count: int = 0


@dataclass
class Tree:
    items: list[TreeItem]
    children: dict[uuid.UUID | None, list[FrameworkItem]] = field(default_factory=dict)

    def subtree_ids(self, root: uuid.UUID) -> list[uuid.UUID]:
        """The item and all its descendants."""
        found, stack = [], [root]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(child.id for child in self.children.get(current, []))
        return found


async def list_frameworks(session: AsyncSession) -> list[tuple[Framework, int]]:
    repository = FrameworkRepository(session)
    counts = await repository.item_counts()
    return [(f, counts.get(f.id, 0)) for f in await repository.list()]


async def get_framework(session: AsyncSession, framework_id: uuid.UUID) -> Framework:
    return await FrameworkRepository(session).get(framework_id)


async def tree(session: AsyncSession, framework_id: uuid.UUID) -> Tree:
    """The framework's items, parents before children, each level in code order."""
    items = await ItemRepository(session).of_framework(framework_id)
    mappings = await MappingRepository(session).of_items(i.id for i in items)
    mapped: dict[uuid.UUID, int] = {}
    for mapping in mappings:
        mapped[mapping.item_id] = mapped.get(mapping.item_id, 0) + 1
    children: dict[uuid.UUID | None, list[FrameworkItem]] = {}
    for item in items:  # already in code order
        children.setdefault(item.parent_id, []).append(item)
    ordered: list[TreeItem] = []

    def walk(parent: uuid.UUID | None, depth: int) -> None:
        for child in children.get(parent, []):
            ordered.append(TreeItem(child, depth, mapped.get(child.id, 0)))
            walk(child.id, depth + 1)

    walk(None, 0)
    return Tree(ordered, children)


async def get_item(
    session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID
) -> FrameworkItem:
    await get_framework(session, framework_id)
    return await ItemRepository(session).get(item_id, framework_id=framework_id)


async def item_indicators(session: AsyncSession, item_id: uuid.UUID) -> Sequence[Any]:
    """The indicators mapped to the item itself (KPI indicators, by code)."""
    mappings = await MappingRepository(session).of_items([item_id])
    if not mappings:
        return []
    return await kpis.indicators_by_id(session, [m.indicator_id for m in mappings])


async def all_indicators(session: AsyncSession) -> Sequence[Any]:
    return await kpis.indicators_by_id(session)


async def indicator_items(
    session: AsyncSession, indicator_id: uuid.UUID
) -> Sequence[tuple[Framework, FrameworkItem]]:
    """Every framework item an indicator feeds."""
    await kpis.get_indicator(session, indicator_id)  # 404 when not the tenant's
    return await MappingRepository(session).of_indicator(indicator_id)


# Frameworks ----------------------------------------------------------------------------


async def create_framework(session: AsyncSession, data: FrameworkCreate) -> Framework:
    if data.kind.is_reference:
        raise InvalidInput(
            f"{data.kind.label} is a reference list that every workspace already has; "
            "add items to it instead",
            field="kind",
        )
    repository = FrameworkRepository(session)
    await repository.check_unique(FRAMEWORK_NAME, data.name)
    framework = Framework(**data.model_dump())
    session.add(framework)
    await repository.flush_unique(FRAMEWORK_NAME, data.name)
    await session.refresh(framework)
    FRAMEWORKS.created(session, framework)
    return framework


async def update_framework(
    session: AsyncSession, framework_id: uuid.UUID, data: FrameworkUpdate
) -> Framework:
    repository = FrameworkRepository(session)
    framework = await repository.get(framework_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is not None:
        await repository.check_unique(FRAMEWORK_NAME, changes["name"], excluding=framework.id)
    before = FRAMEWORKS.snapshot(framework)
    apply_changes(framework, changes)
    await repository.flush_unique(FRAMEWORK_NAME, framework.name)
    await session.refresh(framework)
    FRAMEWORKS.updated(session, framework, before)
    return framework


async def delete_framework(session: AsyncSession, framework_id: uuid.UUID) -> None:
    """Deletes a framework the municipality defined, with its items and their mappings."""
    framework = await FrameworkRepository(session).get(framework_id)
    if framework.kind.is_reference:
        raise Conflict(f"{framework.name} is a reference list and cannot be deleted")
    items = await ItemRepository(session).of_framework(framework.id)
    mappings = await MappingRepository(session).of_items(i.id for i in items)
    codes = {i.id: i.code for i in items}
    for mapping in mappings:
        _record_mapping(session, mapping, codes[mapping.item_id], "deleted")
    FRAMEWORKS.deleted(
        session, framework, {**FRAMEWORKS.snapshot(framework), "items": [i.code for i in items]}
    )
    await session.delete(framework)
    await session.flush()


# Items ---------------------------------------------------------------------------------


async def _check_parent(
    session: AsyncSession,
    framework_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    *,
    moving: uuid.UUID | None = None,
) -> None:
    if parent_id is None:
        return
    if await ItemRepository(session).get_one_or_none(parent_id, framework_id=framework_id) is None:
        raise InvalidInput("is not an item of this framework", field="parent_id")
    if moving is not None and parent_id in (await tree(session, framework_id)).subtree_ids(moving):
        raise InvalidInput("cannot be the item itself or one of its sub-items", field="parent_id")


async def create_item(
    session: AsyncSession, framework_id: uuid.UUID, data: ItemCreate
) -> FrameworkItem:
    framework = await get_framework(session, framework_id)
    repository = ItemRepository(session)
    await repository.check_unique(ITEM_CODE, data.code, framework_id=framework.id)
    await _check_parent(session, framework.id, data.parent_id)
    item = FrameworkItem(framework_id=framework.id, **data.model_dump())
    session.add(item)
    await repository.flush_unique(ITEM_CODE, data.code)
    await session.refresh(item)
    ITEMS.created(session, item)
    return item


async def update_item(
    session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID, data: ItemUpdate
) -> FrameworkItem:
    item = await get_item(session, framework_id, item_id)
    changes = data.model_dump(exclude_unset=True)
    repository = ItemRepository(session)
    if changes.get("code") is not None:
        await repository.check_unique(
            ITEM_CODE, changes["code"], excluding=item.id, framework_id=framework_id
        )
    if "parent_id" in changes:
        await _check_parent(session, framework_id, changes["parent_id"], moving=item.id)
    before = ITEMS.snapshot(item)
    apply_changes(item, changes)
    await repository.flush_unique(ITEM_CODE, item.code)
    await session.refresh(item)
    ITEMS.updated(session, item, before)
    return item


async def delete_item(session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID) -> None:
    """Deletes an item with its sub-items. An item of a reference list that an indicator
    feeds (itself or below) stays until it is unmapped; elsewhere the mappings go with
    the item, each recorded on the audit trail."""
    framework = await get_framework(session, framework_id)
    item = await ItemRepository(session).get(item_id, framework_id=framework_id)
    framework_tree = await tree(session, framework_id)
    subtree = framework_tree.subtree_ids(item.id)
    mappings = await MappingRepository(session).of_items(subtree)
    if mappings and framework.kind.is_reference:
        count = len({m.indicator_id for m in mappings})
        raise Conflict(
            f"{item.code} of the reference list {framework.name} is fed by {count} "
            f"indicator{'s' if count != 1 else ''}; unmap them first"
        )
    codes = {t.item.id: t.item.code for t in framework_tree.items}
    for mapping in mappings:
        _record_mapping(session, mapping, codes[mapping.item_id], "deleted")
    for removed in subtree[1:]:
        ITEMS.record(
            session, "deleted", removed, before={"code": codes[removed], "with_parent": item.code}
        )
    ITEMS.deleted(session, item)
    await session.delete(item)
    await session.flush()


# Mappings ------------------------------------------------------------------------------


def _record_mapping(session: AsyncSession, mapping: Mapping, code: str, verb: str) -> None:
    image = {
        "item_id": str(mapping.item_id),
        "item": code,
        "indicator_id": str(mapping.indicator_id),
    }
    MAPPINGS.record(
        session,
        verb,
        mapping.id,
        before=image if verb == "deleted" else None,
        after=None if verb == "deleted" else image,
    )


async def map_indicator(
    session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID, indicator_id: uuid.UUID
) -> Mapping:
    """The indicator feeds the item. Mapping it again changes nothing."""
    item = await get_item(session, framework_id, item_id)
    if not await kpis.indicators_by_id(session, [indicator_id]):
        raise InvalidInput("is not an indicator of this municipality", field="indicator_id")
    repository = MappingRepository(session)
    existing = await repository.get_one_or_none(item_id=item.id, indicator_id=indicator_id)
    if existing is not None:
        return existing
    mapping = Mapping(item_id=item.id, indicator_id=indicator_id)
    session.add(mapping)
    if not await repository.flush_if_unique("uq_framework_mappings_tenant_item_indicator"):
        # A concurrent request mapped it first: the outcome is the same.
        return await repository.get(item_id=item.id, indicator_id=indicator_id)
    await session.refresh(mapping)
    _record_mapping(session, mapping, item.code, "created")
    return mapping


async def unmap_indicator(
    session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID, indicator_id: uuid.UUID
) -> None:
    item = await get_item(session, framework_id, item_id)
    mapping = await MappingRepository(session).get(item_id=item.id, indicator_id=indicator_id)
    _record_mapping(session, mapping, item.code, "deleted")
    await session.delete(mapping)
    await session.flush()


# The report: everything that feeds an item or a framework ------------------------------


@dataclass(frozen=True)
class ReportLine:
    indicator: Any  # a KPI indicator (code, name, unit)
    item_codes: list[str]
    target: Any
    actual: Any
    status: Any  # the KPI module's status of the quarter, year to date


@dataclass(frozen=True)
class ReportResult:
    framework: Framework
    item: FrameworkItem | None
    financial_year: int
    financial_year_label: str
    quarter: int
    lines: list[ReportLine]


async def report(
    session: AsyncSession,
    framework_id: uuid.UUID,
    item_id: uuid.UUID | None = None,
    *,
    financial_year: int | None = None,
    quarter: int | None = None,
) -> ReportResult:
    """The indicators mapped to the item or any of its sub-items (the whole framework
    without an item), each with its year-to-date target, actual and status at the end of
    the quarter (the current quarter unless one is given)."""
    framework = await get_framework(session, framework_id)
    item = (
        await ItemRepository(session).get(item_id, framework_id=framework_id) if item_id else None
    )
    default_year, default_quarter = kpis.quarter_containing(today_sast())
    year = default_year if financial_year is None else financial_year
    quarter = default_quarter if quarter is None else quarter
    label = kpis.check_quarter(year, quarter).label
    feeds = await _feeds(session, framework.id, item.id if item else None)
    lines = []
    if feeds:
        at_quarter = await kpis.quarter_report(session, year, quarter, indicator_ids=list(feeds))
        for line in at_quarter:
            lines.append(
                ReportLine(
                    indicator=line.indicator,
                    item_codes=sorted(feeds[line.indicator.id], key=natural_key),
                    target=line.ytd_target,
                    actual=line.ytd_actual,
                    status=line.status,
                )
            )
    return ReportResult(framework, item, year, label, quarter, lines)


async def _feeds(
    session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID | None
) -> dict[uuid.UUID, list[str]]:
    """The indicators mapped to the item or its sub-items (to any item of the framework
    without one), with the codes of the items each is mapped to."""
    framework_tree = await tree(session, framework_id)
    scope = (
        framework_tree.subtree_ids(item_id)
        if item_id is not None
        else [t.item.id for t in framework_tree.items]
    )
    codes = {t.item.id: t.item.code for t in framework_tree.items}
    feeds: dict[uuid.UUID, list[str]] = {}
    for mapping in await MappingRepository(session).of_items(scope):
        feeds.setdefault(mapping.indicator_id, []).append(codes[mapping.item_id])
    return feeds


@dataclass(frozen=True)
class Scope:
    """A framework (or one of its items) that a report of another module filters by."""

    framework: Framework
    item: FrameworkItem | None
    indicator_ids: set[uuid.UUID]

    @property
    def label(self) -> str:
        if self.item is None:
            return self.framework.name
        return f"{self.framework.name} {self.item.code} ({self.item.title})"


async def scope(
    session: AsyncSession, framework_id: uuid.UUID, item_id: uuid.UUID | None = None
) -> Scope:
    """The indicators that feed a framework or an item of it. An id that is not the
    municipality's is bad input (422 naming the field): it arrives as a report filter."""
    try:
        framework = await get_framework(session, framework_id)
    except NotFound:
        raise InvalidInput(
            "is not a framework of this municipality", field="framework_id"
        ) from None
    item = None
    if item_id is not None:
        item = await ItemRepository(session).get_one_or_none(item_id, framework_id=framework.id)
        if item is None:
            raise InvalidInput("is not an item of that framework", field="item_id")
    feeds = await _feeds(session, framework.id, item.id if item else None)
    return Scope(framework, item, set(feeds))


def reference(framework: Framework, item: FrameworkItem) -> str:
    """How a report cites an item: "SDG 9.c", "B2B: Good governance", "SDBIP top layer: TL12"."""
    if framework.kind is FrameworkKind.SDG:
        return f"SDG {item.code}"
    if framework.kind is FrameworkKind.BACK_TO_BASICS:
        return f"B2B: {item.title}"
    return f"{framework.name}: {item.code}"


async def references(
    session: AsyncSession, indicator_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Every framework item each indicator feeds, as reports cite them (one query)."""
    found: dict[uuid.UUID, list[str]] = {}
    for indicator_id, framework, item in await MappingRepository(session).of_indicators(
        indicator_ids
    ):
        found.setdefault(indicator_id, []).append(reference(framework, item))
    return found
