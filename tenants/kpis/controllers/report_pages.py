"""Web pages of reporting: /t/{tenant_slug}/kpis/my-updates (what the signed-in user
has to report, with one form for several indicators), /kpis/locks (quarters closed for
reporting) and /kpis/evidence/{id} (downloading an evidence file)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.errors import DomainError, NotFound
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import UNPROCESSABLE, FormErrors, attempt, validate_form
from saypro.tenants.kpis import evidence, workflow
from saypro.tenants.kpis.controllers.views import (
    Form,
    PrincipalRequest,
    Session,
    Tenant,
    download_response,
    render,
    reporter,
)
from saypro.tenants.kpis.periods import FinancialYear
from saypro.tenants.kpis.schemas import ActualSet, LockIn, UnlockIn, UpdateItem

READ = requires(Permission.KPIS_READ)
REPORT = requires(Permission.KPIS_REPORT)
PERIODS = requires(Permission.KPIS_PERIODS)
ROW_FIELDS = ("value", "flag", "note", "deviation_reason", "corrective_measure")


def row_key(item: UpdateItem) -> str:
    return f"{item.indicator_id}.{item.financial_year}.{item.period}"


class _RowRefused(Exception):
    def __init__(self, key: str, error: DomainError) -> None:
        self.key, self.error = key, error


def _rows(
    form: Mapping[str, Any],
) -> tuple[list[tuple[str, uuid.UUID, int, int, ActualSet]], dict[str, str]]:
    """The filled-in rows of the form (a value or a flag), parsed; or the errors, named
    ``<field>.<row key>``."""
    keys = sorted({name.split(".", 1)[1] for name in form if name.split(".", 1)[0] in ROW_FIELDS})
    rows, errors = [], {}
    for key in keys:
        fields = {name: form.get(f"{name}.{key}") for name in ROW_FIELDS}
        fields = {k: (v[-1] if isinstance(v, list) else v) for k, v in fields.items()}
        if not str(fields.get("value") or "").strip() and not str(fields.get("flag") or ""):
            continue
        try:
            raw_id, raw_year, raw_period = key.split(".")
            ids = uuid.UUID(raw_id), int(raw_year), int(raw_period)
        except ValueError:
            errors[f"value.{key}"] = "this row is not one of the list"
            continue
        parsed, row_errors = validate_form(ActualSet, {k: v for k, v in fields.items() if v})
        errors |= {f"{name}.{key}": message for name, message in row_errors.items()}
        if parsed is not None:
            rows.append((key, *ids, parsed))
    return rows, errors


class MyUpdatesPages(Controller):
    path = "/kpis/my-updates"
    include_in_schema = False

    async def _page(
        self,
        request: PrincipalRequest,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        updates = await workflow.my_updates(db_session, request.user.user_id)
        return await render(
            "kpis/my_updates.html",
            db_session,
            tenant,
            updates=updates,
            row_key=row_key,
            today=today_sast(),
            status_code=status_code,
            **context,
        )

    @get("/", name="kpis:my-updates", **READ)
    async def my_updates(
        self, request: PrincipalRequest, db_session: Session, tenant: Tenant
    ) -> Template:
        return await self._page(request, db_session, tenant)

    @post("/", **REPORT)
    async def report_many(
        self, request: PrincipalRequest, db_session: Session, tenant: Tenant, data: Form
    ) -> Template | Redirect:
        """Save (or save and submit) every filled-in row at once; one refused row
        changes nothing."""
        rows, errors = _rows(data)
        submit = str(data.get("action") or "") == "submit"
        if not rows and not errors:
            errors["__all__"] = "fill in a value (or a flag) for at least one period"
        status = UNPROCESSABLE
        if not errors:
            who = reporter(request, tenant)
            try:
                async with db_session.begin_nested():
                    for key, indicator_id, year, period, parsed in rows:
                        try:
                            await workflow.report(
                                db_session, who, indicator_id, year, period, parsed
                            )
                            if submit:
                                await workflow.submit(db_session, who, indicator_id, year, period)
                        except NotFound:
                            raise
                        except DomainError as exc:
                            raise _RowRefused(key, exc) from exc
            except _RowRefused as refused:
                field = refused.error.field or "value"
                if field not in ROW_FIELDS:
                    field = "value"
                errors[f"{field}.{refused.key}"] = refused.error.message
                status = refused.error.status_code
        if not errors:
            return Redirect(path=f"/t/{tenant.slug}/kpis/my-updates")
        values = {k: v[-1] if isinstance(v, list) and v else v for k, v in data.items()}
        return await self._page(
            request, db_session, tenant, values=values, errors=errors, status_code=status
        )


class LockPages(Controller):
    path = "/kpis/locks"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        year: int,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        fy = FinancialYear(year)
        locks = {row.quarter: row for row in await workflow.list_locks(db_session, year)}
        return await render(
            "kpis/locks.html",
            db_session,
            tenant,
            year=fy,
            years=[FinancialYear(year + delta) for delta in (-1, 0, 1)],
            locks=locks,
            status_code=status_code,
            **context,
        )

    @get("/", name="kpis:locks", **READ)
    async def locks_page(
        self,
        db_session: Session,
        tenant: Tenant,
        year: Annotated[int | None, QueryParameter(ge=2000, le=2099)] = None,
    ) -> Template:
        chosen = year or FinancialYear.containing(today_sast()).start_year
        return await self._page(db_session, tenant, chosen)

    async def _step(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        year: int,
        errors: FormErrors,
        values: dict[str, Any] | None = None,
    ) -> Template | Redirect:
        if not errors:
            return Redirect(path=f"/t/{tenant.slug}/kpis/locks?year={year}")
        status = errors.status_code
        return await self._page(
            db_session,
            tenant,
            year if 2000 <= year <= 2099 else FinancialYear.containing(today_sast()).start_year,
            errors=errors,
            values=values or {},
            status_code=status,
        )

    @post("/lock", **PERIODS)
    async def lock(self, db_session: Session, tenant: Tenant, data: Form) -> Template | Redirect:
        parsed, errors = validate_form(LockIn, data)
        if parsed is None:
            return await self._step(db_session, tenant, _year(data), errors)
        year, quarter = parsed.financial_year, parsed.quarter
        _, errors = await attempt(db_session, lambda: workflow.lock(db_session, year, quarter))
        return await self._step(db_session, tenant, year, errors)

    @post("/unlock", **PERIODS)
    async def unlock(self, db_session: Session, tenant: Tenant, data: Form) -> Template | Redirect:
        quarter = str(data.get("quarter") or "")
        reason = str(data.get("reason") or "")
        parsed, errors = validate_form(UnlockIn, data)
        if parsed is not None:
            checked = parsed
            _, errors = await attempt(
                db_session,
                lambda: workflow.unlock(
                    db_session, checked.financial_year, checked.quarter, checked.reason
                ),
            )
        if "reason" in errors:
            errors[f"reason_{quarter}"] = errors.pop("reason")
        return await self._step(
            db_session, tenant, _year(data), errors, {f"reason_{quarter}": reason}
        )


def _year(form: Mapping[str, Any]) -> int:
    """The year the page shows after a refusal (its own check happens in the form model)."""
    raw = str(form.get("financial_year") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 4 else 0


class EvidencePages(Controller):
    path = "/kpis/evidence"
    include_in_schema = False

    @get("/{evidence_id:uuid}", **READ)
    async def download(self, db_session: Session, evidence_id: FromPath[uuid.UUID]) -> File:
        return download_response(*await evidence.open_download(db_session, evidence_id))
