"""The frameworks module's declaration to the platform (loaded through the
``saypro.modules`` entry point)."""

from __future__ import annotations

from pathlib import Path

from saypro.platform.identity.permissions import Permission
from saypro.platform.modules import Module, NavItem
from saypro.tenants.frameworks.controllers.api import FrameworkApi
from saypro.tenants.frameworks.controllers.pages import FrameworkPages, ItemPages
from saypro.tenants.frameworks.seed import seed_demo, seed_workspace

module = Module(
    name="frameworks",
    api_handlers=[FrameworkApi],
    page_handlers=[FrameworkPages, ItemPages],
    template_dir=Path(__file__).parent / "templates",
    nav=[
        NavItem(
            label="Frameworks",
            route_name="frameworks:list",
            permission=Permission.FRAMEWORKS_READ,
        )
    ],
    seed_workspace=seed_workspace,
    seed_demo=seed_demo,
    depends_on=("kpis",),
)
