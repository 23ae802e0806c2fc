"""What the strategy pages share: parameter types, choices for the forms, rendering."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.service import list_members
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.strategy.models import InitiativeStatus, ObjectiveStatus, Phase

Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
ObjectiveId = FromPath[uuid.UUID]
InitiativeId = FromPath[uuid.UUID]
Form = URLEncodedBody[dict[str, Any]]

# Tells the progress indicator on the page to fetch the new roll-up.
PROGRESS_CHANGED = {"HX-Trigger": "progress-changed"}


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def objectives_url(tenant: CurrentTenant, objective_id: uuid.UUID | None = None) -> str:
    base = f"/t/{tenant.slug}/objectives"
    return f"{base}/{objective_id}" if objective_id else base


def _options(values: list[Any]) -> list[tuple[str, str]]:
    return [(v.value, getattr(v, "label", v.value.replace("_", " ").capitalize())) for v in values]


CHOICES = {
    "objective_statuses": list(ObjectiveStatus),
    "objective_status_options": _options(list(ObjectiveStatus)),
    "initiative_status_options": _options(list(InitiativeStatus)),
    "phase_options": _options(list(Phase)),
}


async def render(
    template: str,
    db_session: AsyncSession,
    tenant: CurrentTenant,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A strategy template with the tenant, its members (for owner pickers) and choices."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    members = await list_members(db_session, tenant.id)
    return Template(
        template,
        context={
            "tenant": tenant,
            "members": dict(members),
            "member_options": members,
            **CHOICES,
            **context,
        },
        status_code=status_code,
        headers=headers,
    )
