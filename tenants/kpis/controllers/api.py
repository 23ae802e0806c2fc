"""JSON API: /api/v1/t/{tenant_slug}/kpis/…"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.kpis import evidence, scorecard, service, trends, workflow
from saypro.tenants.kpis.controllers.views import (
    UPLOAD_BODY_LIMIT,
    PrincipalRequest,
    download_response,
    reporter,
    uploaded_file,
)
from saypro.tenants.kpis.models import Indicator
from saypro.tenants.kpis.periods import Frequency
from saypro.tenants.kpis.repository import IndicatorFilters
from saypro.tenants.kpis.schemas import (
    ActualRead,
    ActualSet,
    EvidenceRead,
    IndicatorCreate,
    IndicatorDetail,
    IndicatorRead,
    IndicatorUpdate,
    LockIn,
    LockRead,
    MyUpdates,
    ObjectiveLinkRead,
    Page,
    ReturnIn,
    ScaleRead,
    ScaleSettings,
    ScorecardRead,
    TargetsSet,
    TargetYearRead,
    TrendRead,
    UnlockIn,
)

MAX_OFFSET = 1_000_000
NO_NUL = r"^[^\x00]*$"
READ = requires(Permission.KPIS_READ)
WRITE = requires(Permission.KPIS_WRITE)
REPORT = requires(Permission.KPIS_REPORT)
PERIODS = requires(Permission.KPIS_PERIODS)
ACTUAL = "/{indicator_id:uuid}/actuals/{financial_year:int}/{period:int}"


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
        department: Annotated[
            str | None,
            QueryParameter(max_length=100, pattern=NO_NUL, description="Exact, any case"),
        ] = None,
        q: Annotated[
            str | None,
            QueryParameter(max_length=100, pattern=NO_NUL, description="Search code and name"),
        ] = None,
    ) -> Page[IndicatorRead]:
        filters = IndicatorFilters(
            frequency=frequency, owner_id=owner_id, department=department, search=q
        )
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

    @get(
        "/{indicator_id:uuid}/trend",
        summary="Target and actual of every period over several financial years",
        description="Each period's target (or the one carried over), actual and status, "
        "from the oldest year to `financial_year` (default: the current one).",
        **READ,
    )
    async def get_trend(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        financial_year: Annotated[
            int | None,
            QueryParameter(ge=2000, le=2099, description="The last year (2026 = 2026/27)"),
        ] = None,
        years: Annotated[
            int, QueryParameter(ge=1, le=trends.MAX_YEARS, description="How many years")
        ] = trends.DEFAULT_YEARS,
    ) -> TrendRead:
        return await trends.indicator_trend(
            db_session, indicator_id, through=financial_year, years=years
        )

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
        ACTUAL,
        summary="Save one period's actual as a draft (a value, or why there is none)",
        description="The indicator's owner reports; editors, tenant admins and assigned "
        "consultants may report any indicator. Submitted and approved actuals and those "
        "of locked quarters are refused (409).",
        **REPORT,
    )
    async def set_actual(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
        data: JSONBody[ActualSet],
    ) -> TargetYearRead:
        await workflow.report(
            db_session, reporter(request, tenant), indicator_id, financial_year, period, data
        )
        return await service.target_year(db_session, indicator_id, financial_year)

    @get(ACTUAL, summary="One period's actual with its review state and evidence", **READ)
    async def get_actual(
        self,
        db_session: NamedDependency[AsyncSession],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
    ) -> ActualRead:
        return await workflow.actual_read(db_session, indicator_id, financial_year, period)

    @post(
        f"{ACTUAL}/submit",
        summary="Submit the actual for review (amber or red needs a reason and a measure)",
        status_code=200,
        **REPORT,
    )
    async def submit_actual(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
    ) -> ActualRead:
        return await workflow.submit(
            db_session, reporter(request, tenant), indicator_id, financial_year, period
        )

    @post(
        f"{ACTUAL}/approve",
        summary="Approve a submitted actual (its reviewer or a tenant admin; not one's own)",
        status_code=200,
        **REPORT,
    )
    async def approve_actual(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
    ) -> ActualRead:
        return await workflow.approve(
            db_session, reporter(request, tenant), indicator_id, financial_year, period
        )

    @post(
        f"{ACTUAL}/return",
        summary="Return a submitted or approved actual to its reporter with a comment",
        status_code=200,
        **REPORT,
    )
    async def return_actual(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
        data: JSONBody[ReturnIn],
    ) -> ActualRead:
        return await workflow.return_actual(
            db_session,
            reporter(request, tenant),
            indicator_id,
            financial_year,
            period,
            data.comment,
        )

    @post(
        f"{ACTUAL}/evidence",
        summary="Attach an evidence file (multipart field 'file')",
        status_code=HTTP_201_CREATED,
        request_max_body_size=UPLOAD_BODY_LIMIT,
        **REPORT,
    )
    async def upload_evidence(
        self,
        request: PrincipalRequest,
        db_session: NamedDependency[AsyncSession],
        tenant: NamedDependency[CurrentTenant],
        indicator_id: FromPath[uuid.UUID],
        financial_year: FromPath[int],
        period: FromPath[int],
        data: MultipartBody[dict[str, Any]],
    ) -> EvidenceRead:
        return await evidence.upload(
            db_session,
            reporter(request, tenant),
            indicator_id,
            financial_year,
            period,
            await uploaded_file(data),
        )


class EvidenceApi(Controller):
    path = "/kpis/evidence"
    tags = ["KPIs"]

    @get("/{evidence_id:uuid}", summary="Download an evidence file", **READ)
    async def download(
        self, db_session: NamedDependency[AsyncSession], evidence_id: FromPath[uuid.UUID]
    ) -> File:
        return download_response(*await evidence.open_download(db_session, evidence_id))


class LockApi(Controller):
    """Quarters closed for reporting. The quarter is in the body, not the address: it
    names no object of its own (every municipality has a Q1)."""

    path = "/kpis/locks"
    tags = ["KPIs"]

    @get("/", summary="The quarters of a financial year that were ever locked", **READ)
    async def list_locks(
        self,
        db_session: NamedDependency[AsyncSession],
        financial_year: Annotated[int, QueryParameter(ge=2000, le=2099)],
    ) -> list[LockRead]:
        return await workflow.list_locks(db_session, financial_year)

    @post(
        "/",
        summary="Lock a quarter: its actuals cannot change until it is unlocked",
        status_code=200,
        **PERIODS,
    )
    async def lock(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[LockIn]
    ) -> LockRead:
        return await workflow.lock(db_session, data.financial_year, data.quarter)

    @post(
        "/unlock",
        summary="Unlock a quarter, with the reason (kept in the audit trail)",
        status_code=200,
        **PERIODS,
    )
    async def unlock(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[UnlockIn]
    ) -> LockRead:
        return await workflow.unlock(db_session, data.financial_year, data.quarter, data.reason)


class MyUpdatesApi(Controller):
    path = "/kpis/my-updates"
    tags = ["KPIs"]

    @get(
        "/",
        summary="What the signed-in user has to report: due, overdue, returned, to review",
        **READ,
    )
    async def my_updates(
        self, request: PrincipalRequest, db_session: NamedDependency[AsyncSession]
    ) -> MyUpdates:
        return await workflow.my_updates(db_session, request.user.user_id)


class ScorecardApi(Controller):
    path = "/kpis/scorecard"
    tags = ["KPIs"]

    @get(
        "/",
        summary="The workspace scorecard: year to date at the end of a quarter",
        description="Every indicator's status and points, rolled up (weighted) to "
        "initiatives, strategic objectives and the workspace, with counts per status and "
        "coverage at each level. Without parameters: the latest quarter that has ended. "
        "The scoring policy is in `bands` and docs/kpis.md.",
        **READ,
    )
    async def get_scorecard(
        self,
        db_session: NamedDependency[AsyncSession],
        financial_year: Annotated[
            int | None, QueryParameter(ge=2000, le=2099, description="2026 = 2026/27")
        ] = None,
        quarter: Annotated[int | None, QueryParameter(ge=1, le=4)] = None,
    ) -> ScorecardRead:
        return await scorecard.workspace_scorecard(db_session, financial_year, quarter)


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
