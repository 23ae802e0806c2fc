"""The KPI module's declaration to the platform (loaded through the ``saypro.modules``
entry point)."""

from __future__ import annotations

from pathlib import Path

from saypro.platform.identity.permissions import Permission
from saypro.platform.modules import Module, NavItem
from saypro.tenants.kpis.controllers.api import (
    EvidenceApi,
    IndicatorApi,
    LockApi,
    MyUpdatesApi,
    ScaleApi,
)
from saypro.tenants.kpis.controllers.pages import IndicatorPages, ScalePages
from saypro.tenants.kpis.controllers.public_admin import PublicApi, PublicPages
from saypro.tenants.kpis.controllers.public_site import HANDLERS as PUBLIC_HANDLERS
from saypro.tenants.kpis.controllers.report_pages import (
    EvidencePages,
    LockPages,
    MyUpdatesPages,
)
from saypro.tenants.kpis.seed import seed_demo, seed_workspace

module = Module(
    name="kpis",
    api_handlers=[IndicatorApi, ScaleApi, EvidenceApi, LockApi, MyUpdatesApi, PublicApi],
    page_handlers=[
        IndicatorPages,
        ScalePages,
        MyUpdatesPages,
        LockPages,
        EvidencePages,
        PublicPages,
    ],
    public_handlers=PUBLIC_HANDLERS,
    template_dir=Path(__file__).parent / "templates",
    nav=[
        NavItem(
            label="KPIs",
            route_name="kpis:indicators",
            permission=Permission.KPIS_READ,
        ),
        NavItem(
            label="My updates",
            route_name="kpis:my-updates",
            permission=Permission.KPIS_READ,
        ),
    ],
    seed_workspace=seed_workspace,
    seed_demo=seed_demo,
)
