"""JSON API: /api/v1/t/{tenant_slug}/kpis/…"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.tenants.kpis import service
from saypro.tenants.kpis.models import Indicator
from saypro.tenants.kpis.periods import Frequency
from saypro.tenants.kpis.repository import IndicatorFilters
from saypro.tenants.kpis.schemas import (
    ActualSet,
    IndicatorCreate,
    IndicatorDetail,
    IndicatorRead,
    IndicatorUpdate,
    ObjectiveLinkRead,
    Page,
    ScaleRead,
    ScaleSettings,
    TargetsSet,
    TargetYearRead,
)

MAX_OFFSET = 1_000_000
NO_NUL = r"^[^\x00]*$"
READ = requires(Permission.KPIS_READ)
WRITE = requires(Permission.KPIS_WRITE)


def detail(indicator: Indicator) -> IndicatorDetail:
    return IndicatorDetail(
        **IndicatorRead.model_validate(indicator).model_dump(),
        objectives=[ObjectiveLinkRead.model_validate(link) for link in indicator.objective_links],
        initiative_ids=[link.initiative_id for link in indicator.initiative_links],
    )


class IndicatorApi(Controller):
    path = "/kpis/indicators"
    tags = ["KPIs"]

    @get("/", summary="List indicators", **READ)
    async def list_indicators(
        self,
        db_session: NamedDependency[AsyncSession],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 25,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
        frequency: FromQuery[Frequency | None] = None,
        owner_id: FromQuery[uuid.UUID | None] = None,
        q: Annotated[
            str | None,
            QueryParameter(max_length=100, pattern=NO_NUL, description="Search code and name"),
        ] = None,
    ) -> Page[IndicatorRead]:
        filters = IndicatorFilters(frequency=frequency, owner_id=owner_id, search=q)
        rows, total = await service.list_indicators(db_session, filters, limit=limit, offset=offset)
        return Page[IndicatorRead](
            items=[IndicatorRead.model_validate(row) for row in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    @get("/{indicator_id:uuid}", summary="Get an indicator with its links", **READ)
    async def get_indicator(
        self, db_session: NamedDependency[AsyncSession], indicator_id: FromPath[uuid.UUID]
    ) -> IndicatorDetail:
        return detail(await service.get_indicator(db_session, indicator_id))

    @post("/", summary="Create an indicator", status_code=HTTP_201_CREATED, **WRITE)
    async def create_indicator(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[IndicatorCreate]
    ) -> IndicatorDetail:
        return detail(await service.create_indicator(db_session, data))

    @patch("/{indicator_id:uuid}", summary="Change an indicator", **WRITE)
    async def update_indicator(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        data: JSONBody[IndicatorUpdate],
    ) -> IndicatorDetail:
        return detail(await service.update_indicator(db_session, indicator_id, data))

    @delete(
        "/{indicator_id:uuid}",
        summary="Delete an indicator with its targets and actuals",
        status_code=HTTP_204_NO_CONTENT,
        **WRITE,
    )
    async def delete_indicator(
        self, db_session: NamedDependency[AsyncSession], indicator_id: FromPath[uuid.UUID]
    ) -> None:
        await service.delete_indicator(db_session, indicator_id)

    @get(
        "/{indicator_id:uuid}/targets/{financial_year:int}",
        summary="A financial year: periods, targets, actuals, statuses and revisions",
        **READ,
    )
    async def get_targets(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
    ) -> TargetYearRead:
        return await service.target_year(db_session, indicator_id, financial_year)

    @put(
        "/{indicator_id:uuid}/targets/{financial_year:int}",
        summary="Set a financial year's annual and period targets",
        **WRITE,
    )
    async def set_targets(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        data: JSONBody[TargetsSet],
    ) -> TargetYearRead:
        return await service.set_targets(db_session, indicator_id, financial_year, data)

    @post(
        "/{indicator_id:uuid}/targets/{financial_year:int}/approve",
        summary="Approve a financial year's targets (later changes need a reason)",
        status_code=200,
        **WRITE,
    )
    async def approve_targets(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
    ) -> TargetYearRead:
        return await service.approve_targets(db_session, indicator_id, financial_year)

    @put(
        "/{indicator_id:uuid}/actuals/{financial_year:int}/{period:int}",
        summary="Record one period's actual (a value, or why there is none)",
        **WRITE,
    )
    async def set_actual(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
        data: JSONBody[ActualSet],
    ) -> TargetYearRead:
        return await service.set_actual(db_session, indicator_id, financial_year, period, data)


class ScaleApi(Controller):
    path = "/kpis/scale"
    tags = ["KPIs"]

    @get("/", summary="The workspace's status scale", **READ)
    async def get_scale(self, db_session: NamedDependency[AsyncSession]) -> ScaleRead:
        return service.scale_read(await service.workspace_scale(db_session))

    @put("/", summary="Choose the status scale and its thresholds", **WRITE)
    async def set_scale(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[ScaleSettings]
    ) -> ScaleRead:
        return service.scale_read(await service.update_scale(db_session, data))
