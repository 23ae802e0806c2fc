"""What the KPI pages share: parameter types, choices for the forms, rendering."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Request
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import File, Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import list_members
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.kpis.evidence import Upload
from saypro.tenants.kpis.models import Calculation, Evidence, Unit
from saypro.tenants.kpis.periods import Frequency
from saypro.tenants.kpis.scoring import PRESETS, Direction, Flag, TargetType
from saypro.tenants.kpis.workflow import Reporter
from saypro.tenants.strategy import service as strategy

Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
IndicatorId = FromPath[uuid.UUID]
Year = FromPath[int]
Form = URLEncodedBody[dict[str, Any]]

PrincipalRequest = Request[Principal, Any, State]
# The request-size ceiling of an upload route; the evidence limit (EVIDENCE_MAX_BYTES, at
# most 50 MiB) is checked in the service, where the message can name the field.
UPLOAD_BODY_LIMIT = 51 * 1024 * 1024


def reporter(request: PrincipalRequest, tenant: CurrentTenant) -> Reporter:
    user = request.user
    return Reporter(
        user_id=user.user_id,
        can_edit=user.can(tenant.slug, Permission.KPIS_WRITE),
        is_admin=user.can(tenant.slug, Permission.KPIS_PERIODS),
    )


async def uploaded_file(form: Mapping[str, Any]) -> Upload | None:
    """The form's ``file`` field as an upload; ``None`` when no file was chosen."""
    raw = form.get("file")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, UploadFile) or not raw.filename:
        return None
    return Upload(
        file_name=raw.filename, content_type=raw.content_type or "", content=await raw.read()
    )


def download_response(evidence: Evidence, path: Any) -> File:
    return File(
        path=path,
        filename=evidence.file_name,
        media_type=evidence.content_type,
        content_disposition_type="attachment",
    )


LABELS = {
    "number": "Number",
    "percentage": "Percentage (%)",
    "rand": "Rand (R)",
    "days": "Days",
    "yes_no": "Yes / no",
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "within_range": "Within a range",
    "cumulative": "Cumulative (year-to-date adds up the periods)",
    "per_period": "Per period (each period on its own)",
    "carry_over": "Carry-over (a level; periods without a target keep the previous one)",
    "manual": "Manual entry",
    "formula": "Formula over other indicators",
    "information_not_available": "Information not available / work on hold",
    "target_to_be_amended": "Original target to be amended",
}


def _options(values: list[Any]) -> list[tuple[str, str]]:
    return [(v.value, LABELS.get(v.value, v.value.replace("_", " ").capitalize())) for v in values]


CHOICES = {
    "labels": LABELS,
    "frequencies": list(Frequency),
    "unit_options": _options(list(Unit)),
    "direction_options": _options(list(Direction)),
    "frequency_options": _options(list(Frequency)),
    "target_type_options": _options(list(TargetType)),
    "calculation_options": _options(list(Calculation)),
    "flag_options": _options(list(Flag)),
    "presets": PRESETS,
}


def indicators_url(tenant: CurrentTenant, indicator_id: uuid.UUID | None = None) -> str:
    base = f"/t/{tenant.slug}/kpis/indicators"
    return f"{base}/{indicator_id}" if indicator_id else base


def multi(form: Mapping[str, Any], name: str) -> list[str]:
    """All values of a repeated form field (a multiple select), empty ones dropped."""
    raw = form.get(name)
    values = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return [str(v) for v in values if str(v).strip()]


async def render(
    template: str,
    db_session: AsyncSession,
    tenant: CurrentTenant,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A KPI template with the tenant, its members, the strategy's objectives and
    initiatives (for the link pickers) and the choices."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    members = await list_members(db_session, tenant.id)
    objectives = await strategy.objective_labels(db_session)
    initiatives = await strategy.initiative_labels(db_session)
    return Template(
        template,
        context={
            "tenant": tenant,
            "members": dict(members),
            "member_options": members,
            "objective_options": [(str(k), v) for k, v in objectives.items()],
            "objective_names": {str(k): v for k, v in objectives.items()},
            "initiative_options": [(str(k), v) for k, v in initiatives.items()],
            "initiative_names": {str(k): v for k, v in initiatives.items()},
            **CHOICES,
            **context,
        },
        status_code=status_code,
    )
