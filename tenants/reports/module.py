"""The reports module's declaration to the platform (loaded through the
``saypro.modules`` entry point). Its pages live in the KPIs section."""

from __future__ import annotations

from pathlib import Path

from saypro.platform.identity.permissions import Permission
from saypro.platform.modules import Module, NavItem
from saypro.tenants.reports.controllers.api import ReportApi
from saypro.tenants.reports.controllers.pages import ReportPages

module = Module(
    name="reports",
    api_handlers=[ReportApi],
    page_handlers=[ReportPages],
    template_dir=Path(__file__).parent / "templates",
    nav=[NavItem(label="KPI reports", route_name="reports:index", permission=Permission.KPIS_READ)],
)
