"""The default workspace template and demo content for the frameworks module."""

from __future__ import annotations

import uuid

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping
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


# The KPI module's indicators, by name only (see Mapping): this module uses the KPI
# service, never its models.
_INDICATORS = table("kpi_indicators", column("id"), column("code"), column("tenant_id"))

# Framework items each demo indicator of the KPI module feeds, by framework kind.
DEMO_MAPPINGS: dict[str, tuple[tuple[FrameworkKind, str], ...]] = {
    "ICT1": ((FrameworkKind.SDG, "9.c"), (FrameworkKind.BACK_TO_BASICS, "B2B2")),
    "ICT2": ((FrameworkKind.BACK_TO_BASICS, "B2B1"),),
    "ICT3": ((FrameworkKind.SDG, "17.8"), (FrameworkKind.BACK_TO_BASICS, "B2B5")),
    "ICT4": ((FrameworkKind.SDG, "9.1"),),
    "ICT5": ((FrameworkKind.SDG, "16.6"), (FrameworkKind.BACK_TO_BASICS, "B2B3")),
}


def seed_demo(session: Session, users: dict[str, object]) -> None:
    """Demo content: the template, and the KPI demo's indicators mapped to SDG targets and
    Back-to-Basics pillars (the KPI module is seeded first: it is a dependency)."""
    seed_workspace(session)
    tenant = require_tenant(session)
    indicators = dict(
        session.execute(
            select(func.upper(_INDICATORS.c.code), _INDICATORS.c.id).where(
                _INDICATORS.c.tenant_id == tenant
            )
        ).all()
    )
    items = {
        (kind, code.lower()): item_id
        for kind, code, item_id in session.execute(
            select(Framework.kind, FrameworkItem.code, FrameworkItem.id)
            .join(Framework, Framework.id == FrameworkItem.framework_id)
            .where(FrameworkItem.tenant_id == tenant)
        )
    }
    mapped = set(session.scalars(select(Mapping.indicator_id).where(Mapping.tenant_id == tenant)))
    for code, targets in DEMO_MAPPINGS.items():
        indicator_id = indicators.get(code)
        if indicator_id is None or indicator_id in mapped:
            continue
        for kind, item_code in targets:
            item_id = items.get((kind, item_code.lower()))
            if item_id is not None:
                session.add(Mapping(item_id=item_id, indicator_id=indicator_id))
    session.flush()
