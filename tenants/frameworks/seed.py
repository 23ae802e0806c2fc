"""The default workspace template and demo content for the frameworks module."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind
from saypro.tenants.frameworks.reference import BACK_TO_BASICS, CIRCULAR_88, SDGS, Entry

# (kind, name, description, items) of the frameworks every workspace starts with. The
# IDP and SDBIP frameworks start empty: the municipality enters its own.
WORKSPACE_FRAMEWORKS: tuple[tuple[FrameworkKind, str, str, tuple[Entry, ...]], ...] = (
    (
        FrameworkKind.SDG,
        "Sustainable Development Goals",
        "The 17 goals of the 2030 Agenda for Sustainable Development and their targets.",
        SDGS,
    ),
    (
        FrameworkKind.BACK_TO_BASICS,
        "Back to Basics",
        "The pillars of the Back to Basics approach for local government.",
        BACK_TO_BASICS,
    ),
    (
        FrameworkKind.CIRCULAR_88,
        "MFMA Circular 88",
        "Municipal planning and reporting indicators of MFMA Circular 88, by sector. "
        "Add the codes your municipality reports on.",
        CIRCULAR_88,
    ),
    (FrameworkKind.IDP, "IDP objectives", "The objectives of the Integrated Development Plan.", ()),
    (
        FrameworkKind.SDBIP_TOP_LAYER,
        "SDBIP top layer",
        "The top-layer Service Delivery and Budget Implementation Plan approved by the mayor.",
        (),
    ),
    (
        FrameworkKind.SDBIP_DEPARTMENTAL,
        "SDBIP departmental",
        "The departmental SDBIP: each department's indicators under the top layer.",
        (),
    ),
)


def _add_items(
    session: Session,
    framework_id: uuid.UUID,
    entries: tuple[Entry, ...],
    existing: dict[str, uuid.UUID],
    parent_id: uuid.UUID | None = None,
) -> None:
    for entry in entries:
        item_id = existing.get(entry.code.lower())
        if item_id is None:
            item = FrameworkItem(
                framework_id=framework_id, parent_id=parent_id, code=entry.code, title=entry.title
            )
            session.add(item)
            session.flush()
            item_id = item.id
        _add_items(session, framework_id, entry.children, existing, item_id)


def seed_workspace(session: Session) -> None:
    """Create the reference lists and the empty IDP and SDBIP frameworks (skips what
    exists: a framework of the same kind and name, an item of the same code)."""
    tenant = require_tenant(session)
    frameworks = {
        (f.kind, f.name): f
        for f in session.scalars(select(Framework).where(Framework.tenant_id == tenant))
    }
    for kind, name, description, entries in WORKSPACE_FRAMEWORKS:
        framework = frameworks.get((kind, name))
        if framework is None:
            framework = Framework(kind=kind, name=name, description=description)
            session.add(framework)
            session.flush()
        existing = {
            code.lower(): item_id
            for item_id, code in session.execute(
                select(FrameworkItem.id, FrameworkItem.code).where(
                    FrameworkItem.tenant_id == tenant, FrameworkItem.framework_id == framework.id
                )
            )
        }
        _add_items(session, framework.id, entries, existing)
    session.flush()


def seed_demo(session: Session, users: dict[str, object]) -> None:
    """Demo content: the template. (Modules are seeded in name order, so the demo's
    indicators do not exist yet; mapping them is left to the demo's users.)"""
    seed_workspace(session)
