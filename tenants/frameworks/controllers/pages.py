"""Web pages: /t/{tenant_slug}/frameworks — the frameworks, a framework's items as a
tree, an item with the indicators that feed it (mapped and unmapped there), and the
report of everything that feeds a framework or an item.

Forms are validated with the API's own schemas; an invalid form comes back (422) with
the typed values and a message next to each field, and writes nothing.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect, Template

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.kit.fields import OptionalQuarterQuery, OptionalYearQuery
from saypro.platform.kit.pages import (
    UNPROCESSABLE,
    Form,
    Session,
    Tenant,
    attempt,
    validate_form,
)
from saypro.tenants.frameworks import service
from saypro.tenants.frameworks.controllers.views import (
    EXPORT_DEPENDENCIES,
    Export,
    FrameworkId,
    IndicatorId,
    ItemId,
    export_response,
    frameworks_url,
    render,
)
from saypro.tenants.frameworks.schemas import (
    FrameworkCreate,
    ItemCreate,
    ItemUpdate,
    MappingCreate,
)

READ = requires(Permission.FRAMEWORKS_READ)
WRITE = requires(Permission.FRAMEWORKS_WRITE)
Year = OptionalYearQuery
Quarter = OptionalQuarterQuery


async def _framework_page(
    db_session: Session, tenant: Tenant, framework_id: FrameworkId, **context: Any
) -> Template:
    framework = await service.get_framework(db_session, framework_id)
    tree = await service.tree(db_session, framework.id)
    return await render(
        "frameworks/detail.html",
        db_session,
        tenant,
        framework=framework,
        tree=tree.items,
        parent_options=[(t.item.id, f"{t.item.code} · {t.item.title[:60]}") for t in tree.items],
        **context,
    )


async def _item_page(
    db_session: Session,
    tenant: Tenant,
    framework_id: FrameworkId,
    item_id: ItemId,
    **context: Any,
) -> Template:
    item = await service.get_item(db_session, framework_id, item_id)
    framework = await service.get_framework(db_session, framework_id)
    tree = await service.tree(db_session, framework.id)
    mapped = await service.item_indicators(db_session, item.id)
    mapped_ids = {indicator.id for indicator in mapped}
    everyone = await service.all_indicators(db_session)
    by_id = {t.item.id: t.item for t in tree.items}
    subtree = set(tree.subtree_ids(item.id))
    context.setdefault(
        "edit_values",
        {
            "code": item.code,
            "title": item.title,
            "description": item.description,
            "parent_id": item.parent_id,
        },
    )
    return await render(
        "frameworks/item.html",
        db_session,
        tenant,
        framework=framework,
        item=item,
        parent=by_id.get(item.parent_id) if item.parent_id else None,
        children=tree.children.get(item.id, []),
        indicators=mapped,
        indicator_options=[
            (i.id, f"{i.code} · {i.name}") for i in everyone if i.id not in mapped_ids
        ],
        parent_options=[
            (t.item.id, f"{t.item.code} · {t.item.title[:60]}")
            for t in tree.items
            if t.item.id not in subtree
        ],
        **context,
    )


class FrameworkPages(Controller):
    path = "/frameworks"
    include_in_schema = False

    @get("/", name="frameworks:list", **READ)
    async def list_page(self, db_session: Session, tenant: Tenant) -> Template:
        rows = await service.list_frameworks(db_session)
        return await render("frameworks/list.html", db_session, tenant, frameworks=rows)

    @post("/new", **WRITE)
    async def create(self, db_session: Session, tenant: Tenant, data: Form) -> Template | Redirect:
        parsed, errors = validate_form(FrameworkCreate, data)
        if parsed is not None:
            created, errors = await attempt(
                db_session, lambda: service.create_framework(db_session, parsed)
            )
            if created is not None:
                return Redirect(path=frameworks_url(tenant, created.id))
        rows = await service.list_frameworks(db_session)
        return await render(
            "frameworks/list.html",
            db_session,
            tenant,
            frameworks=rows,
            values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @get("/{framework_id:uuid}", name="frameworks:detail", **READ)
    async def detail_page(
        self, db_session: Session, tenant: Tenant, framework_id: FrameworkId
    ) -> Template:
        return await _framework_page(db_session, tenant, framework_id)

    @post("/{framework_id:uuid}/delete", **WRITE)
    async def delete(
        self, db_session: Session, tenant: Tenant, framework_id: FrameworkId
    ) -> Template | Redirect:
        _, errors = await attempt(
            db_session, lambda: service.delete_framework(db_session, framework_id)
        )
        if errors:
            return await _framework_page(
                db_session, tenant, framework_id, errors=errors, status_code=409
            )
        return Redirect(path=frameworks_url(tenant))

    @post("/{framework_id:uuid}/items", **WRITE)
    async def add_item(
        self, db_session: Session, tenant: Tenant, framework_id: FrameworkId, data: Form
    ) -> Template | Redirect:
        await service.get_framework(db_session, framework_id)
        parsed, errors = validate_form(ItemCreate, data)
        if parsed is not None:
            created, errors = await attempt(
                db_session, lambda: service.create_item(db_session, framework_id, parsed)
            )
            if created is not None:
                return Redirect(path=frameworks_url(tenant, framework_id))
        return await _framework_page(
            db_session, tenant, framework_id, values=data, errors=errors, status_code=UNPROCESSABLE
        )

    @get("/{framework_id:uuid}/report", name="frameworks:report", **READ)
    async def report_page(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        financial_year: Year = None,
        quarter: Quarter = None,
    ) -> Template:
        result = await service.report(
            db_session, framework_id, financial_year=financial_year, quarter=quarter
        )
        return await render("frameworks/report.html", db_session, tenant, report=result)

    @get("/{framework_id:uuid}/report/export", dependencies=EXPORT_DEPENDENCIES, **READ)
    async def export_report(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        export_query: Export,
    ) -> Response[bytes]:
        return await export_response(db_session, tenant, framework_id, None, export_query)


class ItemPages(Controller):
    """An item of a framework: its sub-items, and the indicators that feed it."""

    path = "/frameworks/{framework_id:uuid}/items/{item_id:uuid}"
    include_in_schema = False

    @get("/", name="frameworks:item", **READ)
    async def item_page(
        self, db_session: Session, tenant: Tenant, framework_id: FrameworkId, item_id: ItemId
    ) -> Template:
        return await _item_page(db_session, tenant, framework_id, item_id)

    @post("/edit", **WRITE)
    async def update(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        item_id: ItemId,
        data: Form,
    ) -> Template | Redirect:
        await service.get_item(db_session, framework_id, item_id)
        parsed, errors = validate_form(ItemCreate, data)
        if parsed is not None:
            changes = ItemUpdate.model_validate(parsed.model_dump())
            _, errors = await attempt(
                db_session,
                lambda: service.update_item(db_session, framework_id, item_id, changes),
            )
        if not errors:
            return Redirect(path=frameworks_url(tenant, framework_id, item_id))
        return await _item_page(
            db_session,
            tenant,
            framework_id,
            item_id,
            edit_values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @post("/delete", **WRITE)
    async def delete(
        self, db_session: Session, tenant: Tenant, framework_id: FrameworkId, item_id: ItemId
    ) -> Template | Redirect:
        _, errors = await attempt(
            db_session, lambda: service.delete_item(db_session, framework_id, item_id)
        )
        if errors:
            return await _item_page(
                db_session, tenant, framework_id, item_id, errors=errors, status_code=409
            )
        return Redirect(path=frameworks_url(tenant, framework_id))

    @post("/indicators", **WRITE)
    async def map_indicator(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        item_id: ItemId,
        data: Form,
    ) -> Template | Redirect:
        await service.get_item(db_session, framework_id, item_id)
        parsed, errors = validate_form(MappingCreate, data)
        if parsed is not None:
            _, errors = await attempt(
                db_session,
                lambda: service.map_indicator(
                    db_session, framework_id, item_id, parsed.indicator_id
                ),
            )
        if not errors:
            return Redirect(path=frameworks_url(tenant, framework_id, item_id))
        return await _item_page(
            db_session,
            tenant,
            framework_id,
            item_id,
            values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @post("/indicators/{indicator_id:uuid}/delete", **WRITE)
    async def unmap_indicator(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        item_id: ItemId,
        indicator_id: IndicatorId,
    ) -> Redirect:
        await service.unmap_indicator(db_session, framework_id, item_id, indicator_id)
        return Redirect(path=frameworks_url(tenant, framework_id, item_id))

    @get("/report", name="frameworks:item_report", **READ)
    async def report_page(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        item_id: ItemId,
        financial_year: Year = None,
        quarter: Quarter = None,
    ) -> Template:
        result = await service.report(
            db_session, framework_id, item_id, financial_year=financial_year, quarter=quarter
        )
        return await render("frameworks/report.html", db_session, tenant, report=result)

    @get("/report/export", dependencies=EXPORT_DEPENDENCIES, **READ)
    async def export_report(
        self,
        db_session: Session,
        tenant: Tenant,
        framework_id: FrameworkId,
        item_id: ItemId,
        export_query: Export,
    ) -> Response[bytes]:
        return await export_response(db_session, tenant, framework_id, item_id, export_query)
