"""JSON API: /api/v1/t/{tenant_slug}/objectives."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.kit.fields import DEFAULT_LIMIT, LimitQuery, OffsetQuery, search_query
from saypro.platform.kit.page import Page
from saypro.tenants.strategy import service
from saypro.tenants.strategy.models import ObjectiveStatus
from saypro.tenants.strategy.repository import ObjectiveFilters
from saypro.tenants.strategy.schemas import (
    InitiativeCreate,
    InitiativeRead,
    InitiativeUpdate,
    ObjectiveCreate,
    ObjectiveDetail,
    ObjectiveRead,
    ObjectiveUpdate,
)

READ = requires(Permission.STRATEGY_READ)
WRITE = requires(Permission.STRATEGY_WRITE)


class ObjectiveApi(Controller):
    path = "/objectives"
    tags = ["Strategy"]

    @get("/", summary="List strategic objectives", **READ)
    async def list_objectives(
        self,
        db_session: NamedDependency[AsyncSession],
        limit: LimitQuery = DEFAULT_LIMIT,
        offset: OffsetQuery = 0,
        status: FromQuery[ObjectiveStatus | None] = None,
        owner_id: FromQuery[uuid.UUID | None] = None,
        q: Annotated[str | None, search_query("Search code and title")] = None,
    ) -> Page[ObjectiveRead]:
        filters = ObjectiveFilters(status=status, owner_id=owner_id, search=q)
        rows, total = await service.list_objectives(db_session, filters, limit=limit, offset=offset)
        return Page[ObjectiveRead].of(rows, total, limit=limit, offset=offset)

    @get("/{objective_id:uuid}", summary="Get an objective with its initiatives", **READ)
    async def get_objective(
        self, db_session: NamedDependency[AsyncSession], objective_id: FromPath[uuid.UUID]
    ) -> ObjectiveDetail:
        return ObjectiveDetail.model_validate(await service.get_objective(db_session, objective_id))

    @post("/", summary="Create an objective", status_code=HTTP_201_CREATED, **WRITE)
    async def create_objective(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[ObjectiveCreate]
    ) -> ObjectiveDetail:
        return ObjectiveDetail.model_validate(await service.create_objective(db_session, data))

    @patch("/{objective_id:uuid}", summary="Change an objective", **WRITE)
    async def update_objective(
        self,
        db_session: NamedDependency[AsyncSession],
        objective_id: FromPath[uuid.UUID],
        data: JSONBody[ObjectiveUpdate],
    ) -> ObjectiveDetail:
        return ObjectiveDetail.model_validate(
            await service.update_objective(db_session, objective_id, data)
        )

    @delete(
        "/{objective_id:uuid}",
        summary="Delete an objective and its initiatives",
        status_code=HTTP_204_NO_CONTENT,
        **WRITE,
    )
    async def delete_objective(
        self, db_session: NamedDependency[AsyncSession], objective_id: FromPath[uuid.UUID]
    ) -> None:
        await service.delete_objective(db_session, objective_id)

    @post(
        "/{objective_id:uuid}/initiatives",
        summary="Add an initiative",
        status_code=HTTP_201_CREATED,
        **WRITE,
    )
    async def add_initiative(
        self,
        db_session: NamedDependency[AsyncSession],
        objective_id: FromPath[uuid.UUID],
        data: JSONBody[InitiativeCreate],
    ) -> InitiativeRead:
        return InitiativeRead.model_validate(
            await service.add_initiative(db_session, objective_id, data)
        )

    @patch(
        "/{objective_id:uuid}/initiatives/{initiative_id:uuid}",
        summary="Change an initiative",
        **WRITE,
    )
    async def update_initiative(
        self,
        db_session: NamedDependency[AsyncSession],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
        data: JSONBody[InitiativeUpdate],
    ) -> InitiativeRead:
        initiative = await service.update_initiative(db_session, objective_id, initiative_id, data)
        return InitiativeRead.model_validate(initiative)

    @delete(
        "/{objective_id:uuid}/initiatives/{initiative_id:uuid}",
        summary="Delete an initiative",
        status_code=HTTP_204_NO_CONTENT,
        **WRITE,
    )
    async def delete_initiative(
        self,
        db_session: NamedDependency[AsyncSession],
        objective_id: FromPath[uuid.UUID],
        initiative_id: FromPath[uuid.UUID],
    ) -> None:
        await service.delete_initiative(db_session, objective_id, initiative_id)
