"""Web pages: /t/{tenant_slug}/objectives, with htmx for inline initiative edits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import DomainError
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.service import list_members
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import validate_form
from saypro.tenants.strategy import service
from saypro.tenants.strategy.models import InitiativeStatus, Objective, ObjectiveStatus, Phase
from saypro.tenants.strategy.repository import InitiativeRepository, ObjectiveFilters
from saypro.tenants.strategy.schemas import (
    InitiativeCreate,
    InitiativeUpdate,
    ObjectiveCreate,
    ObjectiveUpdate,
)

READ = requires(Permission.STRATEGY_READ)
WRITE = requires(Permission.STRATEGY_WRITE)
Form = URLEncodedBody[dict[str, Any]]
PAGE_SIZE = 25
UNPROCESSABLE = 422
# Tells the progress indicator on the page to fetch the new roll-up.
PROGRESS_CHANGED = {"HX-Trigger": "progress-changed"}


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _options(values: list[Any]) -> list[tuple[str, str]]:
    return [(v.value, getattr(v, "label", v.value.replace("_", " ").capitalize())) for v in values]


def _choices() -> dict[str, Any]:
    return {
        "objective_statuses": list(ObjectiveStatus),
        "objective_status_options": _options(list(ObjectiveStatus)),
        "initiative_status_options": _options(list(InitiativeStatus)),
        "phase_options": _options(list(Phase)),
    }


def _base(tenant: NamedDependency[CurrentTenant]) -> str:
    return f"/t/{tenant.slug}/objectives"


class ObjectivePages(Controller):
    path = "/objectives"
    include_in_schema = False

    @get("/", name="strategy:objectives", **READ)
    async def list_page(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        status: FromQuery[ObjectiveStatus | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> Template:
        filters = ObjectiveFilters(status=status, search=q or None)
        rows, total = await service.list_objectives(
            db_session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return Template(
            "strategy/list.html",
            context={
                "tenant": tenant,
                "objectives": rows,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "status": status,
                "q": q or "",
                **_choices(),
            },
        )

    async def _form(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        *,
        objective: Objective | None,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        return Template(
            "strategy/form.html",
            context={
                "tenant": tenant,
                "objective": objective,
                "values": values,
                "errors": errors,
                "members": await list_members(db_session, tenant.id),
                **_choices(),
            },
            status_code=status_code,
        )

    @get("/new", name="strategy:new", **WRITE)
    async def new_page(
        self, db_session: NamedDependency[AsyncSession], tenant: NamedDependency[CurrentTenant]
    ) -> Template:
        return await self._form(db_session, tenant, objective=None, values={}, errors={})

    @post("/new", **WRITE)
    async def create(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(ObjectiveCreate, data)
        if parsed is not None:
            try:
                objective = await service.create_objective(db_session, parsed)
            except DomainError as exc:
                errors = {exc.field or "__all__": exc.message}
            else:
                return Redirect(path=f"{_base(tenant)}/{objective.id}")
        return await self._form(
            db_session,
            tenant,
            objective=None,
            values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @get("/{objective_id:uuid}", name="strategy:detail", **READ)
    async def detail_page(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        return Template(
            "strategy/detail.html",
            context={
                "tenant": tenant,
                "objective": objective,
                "members": dict(await list_members(db_session, tenant.id)),
                "values": {},
                "errors": {},
                **_choices(),
            },
        )

    @get("/{objective_id:uuid}/progress", **READ)
    async def progress_fragment(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        return Template(
            "strategy/_progress.html", context={"tenant": tenant, "objective": objective}
        )

    @get("/{objective_id:uuid}/edit", **WRITE)
    async def edit_page(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        values = {
            "code": objective.code,
            "title": objective.title,
            "description": objective.description,
            "owner_id": objective.owner_id,
            "status": objective.status,
            "start_date": objective.start_date,
            "target_date": objective.target_date,
        }
        return await self._form(db_session, tenant, objective=objective, values=values, errors={})

    @post("/{objective_id:uuid}/edit", **WRITE)
    async def update(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        data: Form,
    ) -> Template | Redirect:
        objective = await service.get_objective(db_session, objective_id)
        parsed, errors = validate_form(ObjectiveCreate, data)
        if parsed is not None:
            try:
                await service.update_objective(
                    db_session, objective_id, ObjectiveUpdate.model_validate(parsed.model_dump())
                )
            except DomainError as exc:
                errors = {exc.field or "__all__": exc.message}
            else:
                return Redirect(path=f"{_base(tenant)}/{objective_id}")
        return await self._form(
            db_session,
            tenant,
            objective=objective,
            values=data,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @post("/{objective_id:uuid}/delete", **WRITE)
    async def delete(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
    ) -> Redirect:
        await service.delete_objective(db_session, objective_id)
        return Redirect(path=_base(tenant))

    # Initiatives: added from the objective page, edited inline in their table row.

    async def _initiatives_section(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        objective = await service.get_objective(db_session, objective_id)
        return Template(
            "strategy/_initiatives.html",
            context={
                "tenant": tenant,
                "objective": objective,
                "members": dict(await list_members(db_session, tenant.id)),
                "values": values,
                "errors": errors,
                **_choices(),
            },
            status_code=status_code,
        )

    @post("/{objective_id:uuid}/initiatives", **WRITE)
    async def add_initiative(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(InitiativeCreate, data)
        if parsed is not None:
            try:
                await service.add_initiative(db_session, objective_id, parsed)
            except DomainError as exc:
                errors = {exc.field or "__all__": exc.message}
        if not errors and not _is_htmx(request):
            return Redirect(path=f"{_base(tenant)}/{objective_id}")
        if errors and not _is_htmx(request):
            objective = await service.get_objective(db_session, objective_id)
            return Template(
                "strategy/detail.html",
                context={
                    "tenant": tenant,
                    "objective": objective,
                    "members": dict(await list_members(db_session, tenant.id)),
                    "values": data,
                    "errors": errors,
                    **_choices(),
                },
                status_code=UNPROCESSABLE,
            )
        section = await self._initiatives_section(
            db_session,
            tenant,
            objective_id,
            values=data if errors else {},
            errors=errors,
            status_code=UNPROCESSABLE if errors else 200,
        )
        if not errors:
            section.headers.update(PROGRESS_CHANGED)
        return section

    async def _row(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
        *,
        editing: bool,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        initiative = await InitiativeRepository(db_session).get(objective_id, initiative_id)
        return Template(
            "strategy/_initiative_edit_row.html" if editing else "strategy/_initiative_row.html",
            context={
                "tenant": tenant,
                "objective_id": objective_id,
                "initiative": initiative,
                "members": dict(await list_members(db_session, tenant.id)),
                "values": values or {},
                "errors": errors or {},
                **_choices(),
            },
            status_code=status_code,
        )

    @get("/{objective_id:uuid}/initiatives/{initiative_id:uuid}", **READ)
    async def initiative_row(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
    ) -> Template:
        return await self._row(db_session, tenant, objective_id, initiative_id, editing=False)

    @get("/{objective_id:uuid}/initiatives/{initiative_id:uuid}/edit", **WRITE)
    async def initiative_edit_row(
        self,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
    ) -> Template:
        return await self._row(db_session, tenant, objective_id, initiative_id, editing=True)

    @post("/{objective_id:uuid}/initiatives/{initiative_id:uuid}", **WRITE)
    async def update_initiative(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(InitiativeCreate, data)
        if parsed is not None:
            try:
                await service.update_initiative(
                    db_session,
                    objective_id,
                    initiative_id,
                    InitiativeUpdate.model_validate(parsed.model_dump()),
                )
            except DomainError as exc:
                errors = {exc.field or "__all__": exc.message}
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
        if not _is_htmx(request):
            return Redirect(path=f"{_base(tenant)}/{objective_id}")
        row = await self._row(db_session, tenant, objective_id, initiative_id, editing=False)
        row.headers.update(PROGRESS_CHANGED)
        return row

    @post("/{objective_id:uuid}/initiatives/{initiative_id:uuid}/delete", **WRITE)
    async def delete_initiative(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        await service.delete_initiative(db_session, objective_id, initiative_id)
        if _is_htmx(request):
            section = await self._initiatives_section(
                db_session, tenant, objective_id, values={}, errors={}
            )
            section.headers.update(PROGRESS_CHANGED)
            return section
        return Redirect(path=f"{_base(tenant)}/{objective_id}")
