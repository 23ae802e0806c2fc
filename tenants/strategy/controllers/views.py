"""What the strategy pages share: parameter types, choices for the forms, rendering."""

from __future__ import annotations

import uuid

from litestar.params import FromPath

from saypro.platform.kit.pages import Renderer, member_context, options
from saypro.platform.tenancy.context import CurrentTenant
from saypro.tenants.strategy.models import InitiativeStatus, ObjectiveStatus, Phase

ObjectiveId = FromPath[uuid.UUID]
InitiativeId = FromPath[uuid.UUID]

# Tells the progress indicator on the page to fetch the new roll-up.
PROGRESS_CHANGED = {"HX-Trigger": "progress-changed"}


def objectives_url(tenant: CurrentTenant, objective_id: uuid.UUID | None = None) -> str:
    base = f"/t/{tenant.slug}/objectives"
    return f"{base}/{objective_id}" if objective_id else base


# A strategy template with the tenant, its members (for owner pickers) and choices.
render = Renderer(
    choices={
        "objective_statuses": list(ObjectiveStatus),
        "objective_status_options": options(ObjectiveStatus),
        "initiative_status_options": options(InitiativeStatus),
        "phase_options": options(Phase),
    },
    providers=(member_context,),
)
