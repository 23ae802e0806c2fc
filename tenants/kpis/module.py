"""The KPI module's declaration to the platform (loaded through the ``saypro.modules``
entry point)."""

from __future__ import annotations

from pathlib import Path

from saypro.platform.identity.permissions import Permission
from saypro.platform.jobs.scheduler import PeriodicJob
from saypro.platform.modules import Module, NavItem
from saypro.tenants.kpis.controllers.api import (
    EvidenceApi,
    IndicatorApi,
    LockApi,
    MyUpdatesApi,
    ScaleApi,
    ScorecardApi,
)
from saypro.tenants.kpis.controllers.import_api import ImportApi
from saypro.tenants.kpis.controllers.import_pages import ImportPages
from saypro.tenants.kpis.controllers.pages import IndicatorPages, ScalePages
from saypro.tenants.kpis.controllers.public_admin import PublicApi, PublicPages
from saypro.tenants.kpis.controllers.public_site import HANDLERS as PUBLIC_HANDLERS
from saypro.tenants.kpis.controllers.reminder_api import (
    CompletionApi,
    ReminderApi,
    ReportingLineApi,
)
from saypro.tenants.kpis.controllers.reminder_pages import CompletionPages, ReminderPages
from saypro.tenants.kpis.controllers.report_pages import (
    EvidencePages,
    LockPages,
    MyUpdatesPages,
)
from saypro.tenants.kpis.controllers.scorecard_pages import ScorecardPages
from saypro.tenants.kpis.imports.cli import kpi
from saypro.tenants.kpis.imports.runs import CLEANUP_JOB
from saypro.tenants.kpis.seed import seed_demo, seed_workspace
from saypro.tenants.kpis.tasks import DIGEST_JOB, REMINDERS_JOB

module = Module(
    name="kpis",
    api_handlers=[
        IndicatorApi,
        ScaleApi,
        EvidenceApi,
        LockApi,
        MyUpdatesApi,
        ReminderApi,
        ReportingLineApi,
        CompletionApi,
        ImportApi,
        PublicApi,
        ScorecardApi,
    ],
    page_handlers=[
        IndicatorPages,
        ScalePages,
        MyUpdatesPages,
        LockPages,
        EvidencePages,
        ReminderPages,
        CompletionPages,
        ImportPages,
        PublicPages,
        ScorecardPages,
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
            label="Scorecard",
            route_name="kpis:scorecard",
            permission=Permission.KPIS_READ,
        ),
        NavItem(
            label="My updates",
            route_name="kpis:my-updates",
            permission=Permission.KPIS_READ,
        ),
    ],
    # 05:00 and 05:10 UTC: 07:00 and 07:10 in South Africa, before the working day.
    periodic_jobs=[
        PeriodicJob(job_name=REMINDERS_JOB, cron="0 5 * * *"),
        PeriodicJob(job_name=DIGEST_JOB, cron="10 5 * * *"),
        # 02:30 SAST: the files of imports left uncommitted for a day.
        PeriodicJob(job_name=CLEANUP_JOB, cron="30 0 * * *"),
    ],
    seed_workspace=seed_workspace,
    seed_demo=seed_demo,
    depends_on=("strategy",),
    cli_commands=[kpi],
)
