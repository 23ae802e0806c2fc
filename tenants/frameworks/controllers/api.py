"""JSON API: /api/v1/t/{tenant_slug}/frameworks."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from saypro.platform.documents.formats import ExportFormat
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.kit.fields import quarter_query, year_query
from saypro.platform.kit.pages import Session, Tenant
from saypro.tenants.frameworks import service
from saypro.tenants.frameworks.controllers.views import (
    EXPORT_DEPENDENCIES,
    QUARTER_DESCRIPTION,
    YEAR_DESCRIPTION,
    Export,
    FrameworkId,
    IndicatorId,
    ItemId,
    export_response,
    framework_read,
    indicator_ref,
    item_read,
    report_read,
)
from saypro.tenants.frameworks.schemas import (
    FrameworkCreate,
    FrameworkDetail,
    FrameworkRead,
    FrameworkUpdate,
    IndicatorItem,
    ItemCreate,
    ItemDetail,
    ItemRead,
    ItemUpdate,
    MappingCreate,
    Report,
)

READ = requires(Permission.FRAMEWORKS_READ)
WRITE = requires(Permission.FRAMEWORKS_WRITE)
Year = Annotated[int | None, year_query(YEAR_DESCRIPTION)]
Quarter = Annotated[int | None, quarter_query(QUARTER_DESCRIPTION)]
EXPORT_DESCRIPTION = (
    "The report as a file (`xlsx`: {xlsx}; `csv`: {csv}; `pdf`: {pdf}), named with the "
    "municipality, the framework or item, the year and the quarter. Each download is "
    "recorded on the audit trail."
).format(**{f.value: f.media_type for f in ExportFormat})


async def _detail(db_session: Session, framework_id: FrameworkId) -> FrameworkDetail:
    framework = await service.get_framework(db_session, framework_id)
    tree = await service.tree(db_session, framework.id)
    return FrameworkDetail(
        **framework_read(framework, len(tree.items)).model_dump(),
        items=[item_read(t.item, t.depth, t.indicator_count) for t in tree.items],
    )


async def _item_detail(
    db_session: Session, framework_id: FrameworkId, item_id: ItemId
) -> ItemDetail:
    item = await service.get_item(db_session, framework_id, item_id)
    framework = await service.get_framework(db_session, framework_id)
    tree = await service.tree(db_session, framework_id)
    indicators = await service.item_indicators(db_session, item.id)
    return ItemDetail(
        **item_read(item, indicator_count=len(indicators)).model_dump(),
        framework=framework_read(framework, len(tree.items)),
        children=[item_read(child) for child in tree.children.get(item.id, [])],
        indicators=[indicator_ref(i) for i in indicators],
    )


class FrameworkApi(Controller):
    path = "/frameworks"
    tags = ["Frameworks"]

    @get("/", summary="List the workspace's reporting frameworks", **READ)
    async def list_frameworks(self, db_session: Session) -> list[FrameworkRead]:
        rows = await service.list_frameworks(db_session)
        return [framework_read(framework, count) for framework, count in rows]

    @post("/", summary="Create a framework", status_code=HTTP_201_CREATED, **WRITE)
    async def create_framework(
        self, db_session: Session, data: JSONBody[FrameworkCreate]
    ) -> FrameworkRead:
        return framework_read(await service.create_framework(db_session, data))

    @get("/{framework_id:uuid}", summary="Get a framework with its items (a tree)", **READ)
    async def get_framework(
        self, db_session: Session, framework_id: FrameworkId
    ) -> FrameworkDetail:
        return await _detail(db_session, framework_id)

    @patch("/{framework_id:uuid}", summary="Rename or describe a framework", **WRITE)
    async def update_framework(
        self, db_session: Session, framework_id: FrameworkId, data: JSONBody[FrameworkUpdate]
    ) -> FrameworkRead:
        return framework_read(await service.update_framework(db_session, framework_id, data))

    @delete(
        "/{framework_id:uuid}",
        summary="Delete a framework the municipality defined, with its items and mappings",
        status_code=HTTP_204_NO_CONTENT,
        **WRITE,
    )
    async def delete_framework(self, db_session: Session, framework_id: FrameworkId) -> None:
        await service.delete_framework(db_session, framework_id)

    @get(
        "/{framework_id:uuid}/report",
        summary="Every indicator that feeds the framework, with its status at a quarter",
        **READ,
    )
    async def framework_report(
        self,
        db_session: Session,
        framework_id: FrameworkId,
        financial_year: Year = None,
        quarter: Quarter = None,
    ) -> Report:
        result = await service.report(
            db_session, framework_id, financial_year=financial_year, quarter=quarter
        )
        return report_read(result)

    @get(
        "/{framework_id:uuid}/report/export",
        summary="Download everything that feeds the framework (XLSX, CSV or PDF)",
        description=EXPORT_DESCRIPTION,
        media_type="application/octet-stream",
        dependencies=EXPORT_DEPENDENCIES,
        **READ,
    )
    async def export_framework_report(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        export_query: Export,
    ) -> Response[bytes]:
        return await export_response(db_session, tenant, framework_id, None, export_query)

    @post(
        "/{framework_id:uuid}/items",
        summary="Add an item (a goal, target, code, objective or logframe row)",
        status_code=HTTP_201_CREATED,
        **WRITE,
    )
    async def create_item(
        self, db_session: Session, framework_id: FrameworkId, data: JSONBody[ItemCreate]
    ) -> ItemRead:
        return item_read(await service.create_item(db_session, framework_id, data))

    @get(
        "/{framework_id:uuid}/items/{item_id:uuid}",
        summary="Get an item with its sub-items and the indicators mapped to it",
        **READ,
    )
    async def get_item(
        self, db_session: Session, framework_id: FrameworkId, item_id: ItemId
    ) -> ItemDetail:
        return await _item_detail(db_session, framework_id, item_id)

    @patch("/{framework_id:uuid}/items/{item_id:uuid}", summary="Change an item", **WRITE)
    async def update_item(
        self,
        db_session: Session,
        framework_id: FrameworkId,
        item_id: ItemId,
        data: JSONBody[ItemUpdate],
    ) -> ItemRead:
        return item_read(await service.update_item(db_session, framework_id, item_id, data))

    @delete(
        "/{framework_id:uuid}/items/{item_id:uuid}",
        summary="Delete an item and its sub-items",
        status_code=HTTP_204_NO_CONTENT,
        **WRITE,
    )
    async def delete_item(
        self, db_session: Session, framework_id: FrameworkId, item_id: ItemId
    ) -> None:
        await service.delete_item(db_session, framework_id, item_id)

    @get(
        "/{framework_id:uuid}/items/{item_id:uuid}/report",
        summary="Every indicator that feeds the item or its sub-items",
        **READ,
    )
    async def item_report(
        self,
        db_session: Session,
        framework_id: FrameworkId,
        item_id: ItemId,
        financial_year: Year = None,
        quarter: Quarter = None,
    ) -> Report:
        result = await service.report(
            db_session, framework_id, item_id, financial_year=financial_year, quarter=quarter
        )
        return report_read(result)

    @get(
        "/{framework_id:uuid}/items/{item_id:uuid}/report/export",
        summary="Download everything that feeds the item or its sub-items (XLSX, CSV or PDF)",
        description=EXPORT_DESCRIPTION,
        media_type="application/octet-stream",
        dependencies=EXPORT_DEPENDENCIES,
        **READ,
    )
    async def export_item_report(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        item_id: ItemId,
        export_query: Export,
    ) -> Response[bytes]:
        return await export_response(db_session, tenant, framework_id, item_id, export_query)

    @post(
        "/{framework_id:uuid}/items/{item_id:uuid}/indicators",
        summary="Map an indicator to the item (mapping it again changes nothing)",
        status_code=HTTP_201_CREATED,
        **WRITE,
    )
    async def map_indicator(
        self,
        db_session: Session,
        framework_id: FrameworkId,
        item_id: ItemId,
        data: JSONBody[MappingCreate],
    ) -> ItemDetail:
        await service.map_indicator(db_session, framework_id, item_id, data.indicator_id)
        return await _item_detail(db_session, framework_id, item_id)

    @delete(
        "/{framework_id:uuid}/items/{item_id:uuid}/indicators/{indicator_id:uuid}",
        summary="Unmap an indicator from the item",
        status_code=HTTP_204_NO_CONTENT,
        **WRITE,
    )
    async def unmap_indicator(
        self,
        db_session: Session,
        framework_id: FrameworkId,
        item_id: ItemId,
        indicator_id: IndicatorId,
    ) -> None:
        await service.unmap_indicator(db_session, framework_id, item_id, indicator_id)

    @get(
        "/indicators/{indicator_id:uuid}",
        summary="The framework items an indicator feeds",
        **READ,
    )
    async def indicator_items(
        self, db_session: Session, indicator_id: IndicatorId
    ) -> list[IndicatorItem]:
        pairs = await service.indicator_items(db_session, indicator_id)
        return [
            IndicatorItem(
                framework_id=framework.id,
                framework=framework.name,
                kind=framework.kind,
                item_id=item.id,
                code=item.code,
                title=item.title,
            )
            for framework, item in pairs
        ]
