"""Web pages: /t/{tenant_slug}/kpis/indicators — the list, the create and edit form, and
an indicator's page with its periods, targets, actuals and statuses for a year.

Forms are validated on the server with the API's own schemas; an invalid form comes
back (422) with the typed values and a message next to each field, and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from litestar import Controller, get, post
from litestar.params import FromPath, MultipartBody, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import UNPROCESSABLE, FormErrors, attempt, validate_form
from saypro.tenants.kpis import evidence, service, trends, workflow
from saypro.tenants.kpis.controllers.views import (
    UPLOAD_BODY_LIMIT,
    Form,
    IndicatorId,
    PrincipalRequest,
    Session,
    Tenant,
    Year,
    indicators_url,
    multi,
    render,
    reporter,
    uploaded_file,
)
from saypro.tenants.kpis.models import Indicator
from saypro.tenants.kpis.periods import FinancialYear, Frequency, periods
from saypro.tenants.kpis.repository import IndicatorFilters
from saypro.tenants.kpis.schemas import (
    ActualSet,
    IndicatorCreate,
    IndicatorUpdate,
    ReturnIn,
    ScaleSettings,
    TargetsSet,
    TrendRead,
)
from saypro.tenants.kpis.scoring import PRESETS, Scale

READ = requires(Permission.KPIS_READ)
WRITE = requires(Permission.KPIS_WRITE)
REPORT = requires(Permission.KPIS_REPORT)
PAGE_SIZE = 25
LINK_FIELDS = ("objective_ids", "initiative_ids")
M = TypeVar("M", bound=BaseModel)
EDITABLE_FIELDS = (
    "code",
    "name",
    "definition",
    "unit",
    "decimal_places",
    "direction",
    "frequency",
    "target_type",
    "calculation",
    "formula",
    "data_source",
    "department",
    "baseline_value",
    "baseline_date",
    "owner_id",
    "reviewer_id",
)


def _uuids(form: Mapping[str, Any], name: str) -> list[uuid.UUID] | None:
    try:
        return [uuid.UUID(value) for value in multi(form, name)]
    except ValueError:
        return None


def _validated(model: type[M], values: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The API's model checks every value the page assembled (thresholds and links too);
    a refusal becomes errors on the form's fields instead of an unhandled error."""
    try:
        return model.model_validate(values), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = error["loc"]
            if len(loc) > 1 and loc[0] == "thresholds":
                key = f"threshold_{loc[1]}"
            else:
                key = str(loc[0]) if loc else "__all__"
            errors.setdefault(key, str(error["msg"]).removeprefix("Value error, "))
        return None, errors


def _threshold_inputs(
    form: Mapping[str, Any], scale: Scale, errors: dict[str, str]
) -> dict[str, Decimal]:
    """The band thresholds given on the form (``threshold_<band>``, blank: not given);
    a value that is not a finite percentage in range goes into ``errors``."""
    thresholds: dict[str, Decimal] = {}
    for band in scale.thresholds():
        raw = str(form.get(f"threshold_{band}") or "").strip()
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except ArithmeticError:
            errors[f"threshold_{band}"] = "must be a percentage, e.g. 95"
            continue
        if not value.is_finite() or not -1000 <= value <= 1000:
            errors[f"threshold_{band}"] = "must be a percentage between -1000 and 1000"
            continue
        thresholds[band] = value
    return thresholds


def _indicator_input(
    form: Mapping[str, Any], scale: Scale, weights: Mapping[uuid.UUID, Decimal]
) -> tuple[IndicatorCreate | None, dict[str, str]]:
    """The form as the API's create model, with links and thresholds; or the errors."""
    fields = {k: v for k, v in form.items() if k not in LINK_FIELDS and k != "thresholds"}
    parsed, errors = validate_form(IndicatorCreate, fields)
    objective_ids = _uuids(form, "objective_ids")
    initiative_ids = _uuids(form, "initiative_ids")
    if objective_ids is None:
        errors["objectives"] = "choose objectives from the list"
    if initiative_ids is None:
        errors["initiative_ids"] = "choose initiatives from the list"
    thresholds = _threshold_inputs(form, scale, errors)
    if parsed is None or errors:
        return None, errors
    links = [{"objective_id": i, "weight": weights.get(i, Decimal(1))} for i in objective_ids or []]
    return _validated(
        IndicatorCreate,
        {
            **parsed.model_dump(exclude={"objectives", "initiative_ids", "thresholds"}),
            "objectives": links,
            "initiative_ids": initiative_ids or [],
            "thresholds": thresholds,
        },
    )


def _errors_on_thresholds(errors: dict[str, str], scale: Scale) -> dict[str, str]:
    """A refused threshold set is shown next to the first threshold field."""
    if "thresholds" in errors and scale.thresholds():
        errors[f"threshold_{next(iter(scale.thresholds()))}"] = errors.pop("thresholds")
    return errors


def _form_values(indicator: Indicator) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(indicator, name) for name in EDITABLE_FIELDS}
    for key in ("unit", "direction", "frequency", "target_type", "calculation"):
        values[key] = values[key].value
    values["objective_ids"] = [str(link.objective_id) for link in indicator.objective_links]
    values["initiative_ids"] = [str(link.initiative_id) for link in indicator.initiative_links]
    for band, percent in indicator.thresholds.items():
        values[f"threshold_{band}"] = percent
    return values


def _submitted(form: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v[-1] if isinstance(v, list) and v else v for k, v in form.items()}
    for name in LINK_FIELDS:
        values[name] = multi(form, name)
    return values


def _targets_input(
    form: Mapping[str, Any], frequency: Frequency
) -> tuple[TargetsSet | None, dict[str, str]]:
    def text(name: str) -> str | None:
        raw = form.get(name)
        raw = raw[-1] if isinstance(raw, list) and raw else raw
        return str(raw).strip() or None if raw is not None else None

    numbers = list(range(1, frequency.periods_per_year + 1))
    payload = {
        "annual": text("annual"),
        "annual_upper": text("annual_upper"),
        "reason": text("reason"),
        "periods": [
            {"period": n, "value": text(f"target_{n}"), "upper_value": text(f"upper_{n}")}
            for n in numbers
        ],
    }
    try:
        return TargetsSet.model_validate(payload), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = error["loc"]
            if loc and loc[0] == "periods" and len(loc) >= 3 and isinstance(loc[1], int):
                prefix = "target" if loc[2] == "value" else "upper"
                name = f"{prefix}_{numbers[loc[1]]}"
            else:
                name = str(loc[0]) if loc else "targets"
            errors.setdefault(name, str(error["msg"]).removeprefix("Value error, "))
        return None, errors


def _trend_rows(trend: TrendRead) -> list[dict[str, Any]]:
    """The chart's rows: values at the indicator's decimal places (the table view shows
    them as typed), with each period's status."""

    def shown(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.{trend.decimal_places}f}"

    return [
        {
            "label": p.label,
            "year": FinancialYear(p.financial_year).label,
            "target": shown(p.target),
            "actual": shown(p.actual),
            "status_key": p.status.key,
            "status_label": p.status.label,
            "colour": p.status.colour,
        }
        for p in trend.points
    ]


class IndicatorPages(Controller):
    path = "/kpis/indicators"
    include_in_schema = False

    @get("/", name="kpis:indicators", **READ)
    async def list_page(
        self,
        db_session: Session,
        tenant: Tenant,
        page: Annotated[int, QueryParameter(ge=1, le=40_000)] = 1,
        frequency: Annotated[Frequency | None, QueryParameter()] = None,
        q: Annotated[str | None, QueryParameter(max_length=100, pattern=r"^[^\x00]*$")] = None,
        owner_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        department: Annotated[
            str | None, QueryParameter(max_length=100, pattern=r"^[^\x00]*$")
        ] = None,
    ) -> Template:
        filters = IndicatorFilters(
            frequency=frequency,
            owner_id=owner_id,
            department=department or None,
            search=q or None,
        )
        rows, total = await service.list_indicators(
            db_session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return await render(
            "kpis/list.html",
            db_session,
            tenant,
            indicators=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            frequency=frequency,
            q=q or "",
            owner_id=owner_id,
            department=department or "",
            departments=await service.departments(db_session),
        )

    async def _form(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        indicator: Indicator | None,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        scale = await service.workspace_scale(db_session)
        return await render(
            "kpis/form.html",
            db_session,
            tenant,
            indicator=indicator,
            scale=scale,
            status_code=status_code,
            **context,
        )

    @get("/new", name="kpis:new", **WRITE)
    async def new_page(self, db_session: Session, tenant: Tenant) -> Template:
        return await self._form(db_session, tenant, None)

    @post("/new", **WRITE)
    async def create(self, db_session: Session, tenant: Tenant, data: Form) -> Template | Redirect:
        scale = await service.workspace_scale(db_session)
        parsed, errors = _indicator_input(data, scale, {})
        if parsed is not None:
            created, errors = await attempt(
                db_session, lambda: service.create_indicator(db_session, parsed)
            )
            if created is not None:
                return Redirect(path=indicators_url(tenant, created.id))
        return await self._form(
            db_session,
            tenant,
            None,
            values=_submitted(data),
            errors=_errors_on_thresholds(errors, scale),
            status_code=UNPROCESSABLE,
        )

    async def _detail(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        indicator_id: uuid.UUID,
        year: int | None,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        indicator = await service.get_indicator(db_session, indicator_id)
        fy = FinancialYear(year) if year else FinancialYear.containing(today_sast())
        target_year = await service.target_year(db_session, indicator.id, fy.start_year)
        scale = service.indicator_scale(await service.workspace_scale(db_session), indicator)
        actuals = await workflow.actuals_of_year(db_session, indicator.id, fy.start_year)
        trend = await trends.indicator_trend(db_session, indicator.id, through=fy.start_year)
        return await render(
            "kpis/detail.html",
            db_session,
            tenant,
            indicator=indicator,
            year=fy,
            years=[FinancialYear(fy.start_year + delta) for delta in (-1, 0, 1)],
            target_year=target_year,
            periods=periods(fy, indicator.frequency),
            actuals=actuals,
            scale=scale,
            trend_rows=_trend_rows(trend),
            status_code=status_code,
            **context,
        )

    @get("/{indicator_id:uuid}", name="kpis:detail", **READ)
    async def detail_page(
        self,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        year: Annotated[int | None, QueryParameter(ge=2000, le=2099)] = None,
        period: Annotated[int | None, QueryParameter(ge=1, le=12)] = None,
    ) -> Template:
        # ``period`` marks the row a reminder's link points at.
        return await self._detail(db_session, tenant, indicator_id, year, highlight=period)

    @get("/{indicator_id:uuid}/edit", **WRITE)
    async def edit_page(
        self, db_session: Session, tenant: Tenant, indicator_id: IndicatorId
    ) -> Template:
        indicator = await service.get_indicator(db_session, indicator_id)
        return await self._form(db_session, tenant, indicator, values=_form_values(indicator))

    @post("/{indicator_id:uuid}/edit", **WRITE)
    async def update(
        self, db_session: Session, tenant: Tenant, indicator_id: IndicatorId, data: Form
    ) -> Template | Redirect:
        indicator = await service.get_indicator(db_session, indicator_id)
        scale = await service.workspace_scale(db_session)
        weights = {link.objective_id: link.weight for link in indicator.objective_links}
        parsed, errors = _indicator_input(data, scale, weights)
        changes, errors = (
            _validated(IndicatorUpdate, parsed.model_dump())
            if parsed is not None
            else (None, errors)
        )
        if changes is not None:
            _, errors = await attempt(
                db_session, lambda: service.update_indicator(db_session, indicator_id, changes)
            )
        if not errors:
            return Redirect(path=indicators_url(tenant, indicator_id))
        return await self._form(
            db_session,
            tenant,
            indicator,
            values=_submitted(data),
            errors=_errors_on_thresholds(errors, scale),
            status_code=UNPROCESSABLE,
        )

    @post("/{indicator_id:uuid}/delete", **WRITE)
    async def delete(
        self, db_session: Session, tenant: Tenant, indicator_id: IndicatorId
    ) -> Template | Redirect:
        _, errors = await attempt(
            db_session, lambda: service.delete_indicator(db_session, indicator_id)
        )
        if errors:
            return await self._detail(
                db_session, tenant, indicator_id, None, errors=errors, status_code=409
            )
        return Redirect(path=indicators_url(tenant))

    @post("/{indicator_id:uuid}/targets/{financial_year:int}", **WRITE)
    async def set_targets(
        self,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        financial_year: Year,
        data: Form,
    ) -> Template | Redirect:
        indicator = await service.get_indicator(db_session, indicator_id)
        parsed, errors = _targets_input(data, indicator.frequency)
        if parsed is not None:
            _, errors = await attempt(
                db_session,
                lambda: service.set_targets(db_session, indicator_id, financial_year, parsed),
            )
        if not errors:
            return Redirect(path=f"{indicators_url(tenant, indicator_id)}?year={financial_year}")
        return await self._detail(
            db_session,
            tenant,
            indicator_id,
            financial_year if 2000 <= financial_year <= 2099 else None,
            values=_submitted(data),
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    @post("/{indicator_id:uuid}/targets/{financial_year:int}/approve", **WRITE)
    async def approve_targets(
        self, db_session: Session, tenant: Tenant, indicator_id: IndicatorId, financial_year: Year
    ) -> Template | Redirect:
        _, errors = await attempt(
            db_session,
            lambda: service.approve_targets(db_session, indicator_id, financial_year),
        )
        if not errors:
            return Redirect(path=f"{indicators_url(tenant, indicator_id)}?year={financial_year}")
        return await self._detail(
            db_session,
            tenant,
            indicator_id,
            financial_year if 2000 <= financial_year <= 2099 else None,
            errors=errors,
            status_code=UNPROCESSABLE,
        )

    async def _after(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        indicator_id: uuid.UUID,
        financial_year: int,
        errors: FormErrors,
        values: dict[str, Any] | None = None,
    ) -> Template | Redirect:
        """Back to the indicator's year after a reporting step, or the page with the
        refusal (409 for a state or lock conflict, 403 when the step is not the
        person's, 422 for bad input)."""
        if not errors:
            return Redirect(path=f"{indicators_url(tenant, indicator_id)}?year={financial_year}")
        return await self._detail(
            db_session,
            tenant,
            indicator_id,
            financial_year if 2000 <= financial_year <= 2099 else None,
            values=values or {},
            errors=errors,
            status_code=errors.status_code,
        )

    @post("/{indicator_id:uuid}/actuals/{financial_year:int}", **REPORT)
    async def set_actual(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        financial_year: Year,
        data: Form,
    ) -> Template | Redirect:
        parsed, errors = validate_form(ActualSet, data)
        raw_period = str(data.get("period") or "").strip()
        period = int(raw_period) if raw_period.isdigit() and len(raw_period) <= 2 else 0
        if not period:
            errors["period"] = "choose a period"
        if parsed is not None and not errors:
            who = reporter(request, tenant)
            _, errors = await attempt(
                db_session,
                lambda: workflow.report(
                    db_session, who, indicator_id, financial_year, period, parsed
                ),
            )
        return await self._after(
            db_session, tenant, indicator_id, financial_year, errors, _submitted(data)
        )

    @post("/{indicator_id:uuid}/actuals/{financial_year:int}/{period:int}/submit", **REPORT)
    async def submit_actual(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        financial_year: Year,
        period: FromPath[int],
    ) -> Template | Redirect:
        who = reporter(request, tenant)
        _, errors = await attempt(
            db_session,
            lambda: workflow.submit(db_session, who, indicator_id, financial_year, period),
        )
        return await self._after(db_session, tenant, indicator_id, financial_year, errors)

    @post("/{indicator_id:uuid}/actuals/{financial_year:int}/{period:int}/approve", **REPORT)
    async def approve_actual(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        financial_year: Year,
        period: FromPath[int],
    ) -> Template | Redirect:
        who = reporter(request, tenant)
        _, errors = await attempt(
            db_session,
            lambda: workflow.approve(db_session, who, indicator_id, financial_year, period),
        )
        return await self._after(db_session, tenant, indicator_id, financial_year, errors)

    @post("/{indicator_id:uuid}/actuals/{financial_year:int}/{period:int}/return", **REPORT)
    async def return_actual(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        financial_year: Year,
        period: FromPath[int],
        data: Form,
    ) -> Template | Redirect:
        who = reporter(request, tenant)
        parsed, errors = validate_form(ReturnIn, data)
        if parsed is not None:
            comment = parsed.comment
            _, errors = await attempt(
                db_session,
                lambda: workflow.return_actual(
                    db_session, who, indicator_id, financial_year, period, comment
                ),
            )
        return await self._after(db_session, tenant, indicator_id, financial_year, errors)

    @post(
        "/{indicator_id:uuid}/actuals/{financial_year:int}/{period:int}/evidence",
        request_max_body_size=UPLOAD_BODY_LIMIT,
        **REPORT,
    )
    async def upload_evidence(
        self,
        request: PrincipalRequest,
        db_session: Session,
        tenant: Tenant,
        indicator_id: IndicatorId,
        financial_year: Year,
        period: FromPath[int],
        data: MultipartBody[dict[str, Any]],
    ) -> Template | Redirect:
        who = reporter(request, tenant)
        upload = await uploaded_file(data)
        _, errors = await attempt(
            db_session,
            lambda: evidence.upload(db_session, who, indicator_id, financial_year, period, upload),
        )
        return await self._after(db_session, tenant, indicator_id, financial_year, errors)


class ScalePages(Controller):
    """The workspace's status scale: a preset and the thresholds changed from it."""

    path = "/kpis/scale"
    include_in_schema = False

    @get("/", name="kpis:scale", **READ)
    async def scale_page(self, db_session: Session, tenant: Tenant) -> Template:
        scale = await service.workspace_scale(db_session)
        values: dict[str, Any] = {"scale": scale.key}
        values |= {f"threshold_{k}": v for k, v in scale.thresholds().items()}
        return await render("kpis/scale.html", db_session, tenant, scale=scale, values=values)

    @post("/", **WRITE)
    async def save_scale(
        self, db_session: Session, tenant: Tenant, data: Form
    ) -> Template | Redirect:
        chosen = str(data.get("scale") or "").strip()
        preset = PRESETS.get(chosen)
        errors: dict[str, str] = {}
        thresholds: dict[str, Decimal] = {}
        settings: ScaleSettings | None = None
        if preset is None:
            errors["scale"] = "choose one of the scales"
        else:
            defaults = preset.thresholds()
            given = _threshold_inputs(data, preset, errors)
            thresholds = {band: v for band, v in given.items() if v != defaults[band]}
        if not errors:
            settings, errors = _validated(
                ScaleSettings, {"scale": chosen, "thresholds": thresholds}
            )
        if settings is not None and not errors:
            _, errors = await attempt(
                db_session, lambda: service.update_scale(db_session, settings)
            )
        if not errors:
            return Redirect(path=f"/t/{tenant.slug}/kpis/scale")
        current = preset or await service.workspace_scale(db_session)
        return await render(
            "kpis/scale.html",
            db_session,
            tenant,
            scale=current,
            values=_submitted(data),
            errors=_errors_on_thresholds(errors, current),
            status_code=UNPROCESSABLE,
        )
