"""The strategy module's declaration to the platform (loaded through the
``saypro.modules`` entry point)."""

from __future__ import annotations

from pathlib import Path

from saypro.platform.identity.permissions import Permission
from saypro.platform.jobs.scheduler import PeriodicJob
from saypro.platform.modules import Module, NavItem
from saypro.tenants.strategy import tasks as _tasks  # noqa: F401 - registers the jobs
from saypro.tenants.strategy.controllers.api import ObjectiveApi
from saypro.tenants.strategy.controllers.pages import InitiativePages, ObjectivePages
from saypro.tenants.strategy.onboarding import REVIEW_OBJECTIVES
from saypro.tenants.strategy.seed import seed_demo, seed_workspace
from saypro.tenants.strategy.service import RECOMPUTE_ALL_JOB

module = Module(
    name="strategy",
    api_handlers=[ObjectiveApi],
    page_handlers=[ObjectivePages, InitiativePages],
    template_dir=Path(__file__).parent / "templates",
    nav=[
        NavItem(
            label="Strategic objectives",
            route_name="strategy:objectives",
            permission=Permission.STRATEGY_READ,
        )
    ],
    periodic_jobs=[PeriodicJob(job_name=RECOMPUTE_ALL_JOB, cron="30 1 * * *")],
    seed_workspace=seed_workspace,
    seed_demo=seed_demo,
    onboarding_steps=[REVIEW_OBJECTIVES],
)
