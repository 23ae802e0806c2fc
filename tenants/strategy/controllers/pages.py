"""Web pages: /t/{tenant_slug}/objectives, with htmx for inline initiative edits.

Forms are validated on the server with the API's own schemas; an invalid form comes
back (422) with the typed values and a message next to each field, and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.kit.fields import PageQuery, search_query
from saypro.platform.kit.page import page_count, page_offset
from saypro.platform.kit.pages import (
    UNPROCESSABLE,
    Form,
    Session,
    Tenant,
    attempt,
    is_htmx,
    validate_form,
)
from saypro.tenants.strategy import service
from saypro.tenants.strategy.controllers.views import (
    PROGRESS_CHANGED,
    InitiativeId,
    ObjectiveId,
    objectives_url,
    render,
)
from saypro.tenants.strategy.models import ObjectiveStatus
from saypro.tenants.strategy.repository import InitiativeRepository, ObjectiveFilters
from saypro.tenants.strategy.schemas import (
    InitiativeCreate,
    InitiativeUpdate,
    ObjectiveCreate,
    ObjectiveUpdate,
)

READ = requires(Permission.STRATEGY_READ)
WRITE = requires(Permission.STRATEGY_WRITE)
PAGE_SIZE = 25
EDITABLE_FIELDS = (
    "code",
    "title",
    "description",
    "owner_id",
    "status",
    "start_date",
    "target_date",
)


class ObjectivePages(Controller):
    path = "/objectives"
    include_in_schema = False

    @get("/", name="strategy:objectives", **READ)
    async def list_page(
        self,
        db_session: Session,
        tenant: Tenant,
        page: PageQuery = 1,
        status: Annotated[ObjectiveStatus | None, QueryParameter()] = None,
        q: Annotated[str | None, search_query()] = None,
    ) -> Template:
        filters = ObjectiveFilters(status=status, search=q or None)
        rows, total = await service.list_objectives(
            db_session, filters, limit=PAGE_SIZE, offset=page_offset(page, PAGE_SIZE)
        )
        return await render(
            "strategy/list.html",
            db_session,
            tenant,
            objectives=rows,
            total=total,
            page=page,
            pages=page_count(total, PAGE_SIZE),
            status=status,
            q=q or "",
        )

    @get("/new", name="strategy:new", **WRITE)
    async def new_page(self, db_session: Session, tenant: Tenant) -> Template:
        return await render("strategy/form.html", db_session, tenant, objective=None)

    @post("/new", **WRITE)
    async def create(self, db_session: Session, tenant: Tenant, data: Form) -> Template | Redirect:
        parsed, errors = validate_form(ObjectiveCreate, data)
        if parsed is not None:
            created, errors = await attempt(
                db_session, lambda: service.create_objective(db_session, parsed)
            )
            if created is not None:
                return Redirect(path=objectives_url(tenant, created.id))
        return await render(
            "strategy/form.html",
            db_session,
            tenant,
            objective=None,
            values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @get("/{objective_id:uuid}", name="strategy:detail", **READ)
    async def detail_page(
        self, db_session: Session, tenant: Tenant, objective_id: ObjectiveId
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        return await render("strategy/detail.html", db_session, tenant, objective=objective)

    @get("/{objective_id:uuid}/progress", **READ)
    async def progress_fragment(
        self, db_session: Session, tenant: Tenant, objective_id: ObjectiveId
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        return await render("strategy/_progress.html", db_session, tenant, objective=objective)

    @get("/{objective_id:uuid}/edit", **WRITE)
    async def edit_page(
        self, db_session: Session, tenant: Tenant, objective_id: ObjectiveId
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        values = {name: getattr(objective, name) for name in EDITABLE_FIELDS}
        return await render(
            "strategy/form.html", db_session, tenant, objective=objective, values=values
        )

    @post("/{objective_id:uuid}/edit", **WRITE)
    async def update(
        self, db_session: Session, tenant: Tenant, objective_id: ObjectiveId, data: Form
    ) -> Template | Redirect:
        objective = await service.get_objective(db_session, objective_id)
        parsed, errors = validate_form(ObjectiveCreate, data)
        if parsed is not None:
            changes = ObjectiveUpdate.model_validate(parsed.model_dump())
            _, errors = await attempt(
                db_session, lambda: service.update_objective(db_session, objective_id, changes)
            )
        if not errors:
            return Redirect(path=objectives_url(tenant, objective_id))
        return await render(
            "strategy/form.html",
            db_session,
            tenant,
            objective=objective,
            values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @post("/{objective_id:uuid}/delete", **WRITE)
    async def delete(
        self, db_session: Session, tenant: Tenant, objective_id: ObjectiveId
    ) -> Redirect:
        await service.delete_objective(db_session, objective_id)
        return Redirect(path=objectives_url(tenant))


class InitiativePages(Controller):
    """Initiatives are added on the objective page and edited inline in their table row."""

    path = "/objectives/{objective_id:uuid}/initiatives"
    include_in_schema = False

    async def _section(
        self, db_session: Session, tenant: Tenant, objective_id: ObjectiveId, **context: Any
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        return await render(
            "strategy/_initiatives.html", db_session, tenant, objective=objective, **context
        )

    async def _row(
        self,
        db_session: Session,
        tenant: Tenant,
        objective_id: ObjectiveId,
        initiative_id: InitiativeId,
        *,
        editing: bool,
        **context: Any,
    ) -> Template:
        initiative = await InitiativeRepository(db_session).get(
            initiative_id, objective_id=objective_id
        )
        template = (
            "strategy/_initiative_edit_row.html" if editing else "strategy/_initiative_row.html"
        )
        return await render(template, db_session, tenant, initiative=initiative, **context)

    @post("/", **WRITE)
    async def add(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        tenant: Tenant,
        objective_id: ObjectiveId,
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(InitiativeCreate, data)
        if parsed is not None:
            _, errors = await attempt(
                db_session, lambda: service.add_initiative(db_session, objective_id, parsed)
            )
        if is_htmx(request):
            if errors:
                return await self._section(
                    db_session,
                    tenant,
                    objective_id,
                    values=data,
                    errors=errors,
                    status_code=UNPROCESSABLE,
                )
            return await self._section(db_session, tenant, objective_id, headers=PROGRESS_CHANGED)
        if errors:
            objective = await service.get_objective(db_session, objective_id)
            return await render(
                "strategy/detail.html",
                db_session,
                tenant,
                objective=objective,
                values=data,
                errors=errors,
                status_code=UNPROCESSABLE,
            )
        return Redirect(path=objectives_url(tenant, objective_id))

    @get("/{initiative_id:uuid}", **READ)
    async def row(
        self,
        db_session: Session,
        tenant: Tenant,
        objective_id: ObjectiveId,
        initiative_id: InitiativeId,
    ) -> Template:
        return await self._row(db_session, tenant, objective_id, initiative_id, editing=False)

    @get("/{initiative_id:uuid}/edit", **WRITE)
    async def edit_row(
        self,
        db_session: Session,
        tenant: Tenant,
        objective_id: ObjectiveId,
        initiative_id: InitiativeId,
    ) -> Template:
        return await self._row(db_session, tenant, objective_id, initiative_id, editing=True)

    @post("/{initiative_id:uuid}", **WRITE)
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        tenant: Tenant,
        objective_id: ObjectiveId,
        initiative_id: InitiativeId,
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(InitiativeCreate, data)
        if parsed is not None:
            changes = InitiativeUpdate.model_validate(parsed.model_dump())
            _, errors = await attempt(
                db_session,
                lambda: service.update_initiative(db_session, objective_id, initiative_id, changes),
            )
        if errors:
            return await self._row(
                db_session,
                tenant,
                objective_id,
                initiative_id,
                editing=True,
                values=data,
                errors=errors,
                status_code=UNPROCESSABLE,
            )
        if not is_htmx(request):
            return Redirect(path=objectives_url(tenant, objective_id))
        return await self._row(
            db_session, tenant, objective_id, initiative_id, editing=False, headers=PROGRESS_CHANGED
        )

    @post("/{initiative_id:uuid}/delete", **WRITE)
    async def delete(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        tenant: Tenant,
        objective_id: ObjectiveId,
        initiative_id: InitiativeId,
    ) -> Template | Redirect:
        await service.delete_initiative(db_session, objective_id, initiative_id)
        if is_htmx(request):
            return await self._section(db_session, tenant, objective_id, headers=PROGRESS_CHANGED)
        return Redirect(path=objectives_url(tenant, objective_id))
