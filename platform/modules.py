"""Workspace and billing modules plug into the platform through one declaration.

The platform never imports a domain package: each one publishes a :class:`Module`
under the ``saypro.modules`` entry-point group and the platform loads what is installed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

import click
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from saypro.platform.jobs.scheduler import PeriodicJob

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from saypro.platform.tenancy.context import CurrentTenant


@dataclass(frozen=True)
class NavItem:
    label: str
    route_name: str
    permission: str


@dataclass(frozen=True)
class OnboardingStep:
    """One step of the checklist a new municipality's admins see on the workspace home.
    ``done`` answers on a session bound to the tenant."""

    key: str
    label: str
    # Where the step is done: a route under /t/{tenant_slug}.
    route_name: str
    done: Callable[[AsyncSession, CurrentTenant], Awaitable[bool]]
    optional: bool = False


@dataclass(frozen=True)
class Module:
    name: str
    api_handlers: Sequence[ControllerRouterHandler] = ()
    page_handlers: Sequence[ControllerRouterHandler] = ()
    # Routes anyone may read without signing in, at their own paths (each is marked
    # public and resolves its municipality itself).
    public_handlers: Sequence[ControllerRouterHandler] = ()
    template_dir: Path | None = None
    nav: Sequence[NavItem] = ()
    periodic_jobs: Sequence[PeriodicJob] = ()
    # Seeds a new workspace from the default template (session bound to the tenant).
    seed_workspace: Callable[[Session], None] | None = None
    # Adds realistic demo content (session bound to the tenant; users by role).
    seed_demo: Callable[[Session, dict[str, object]], None] | None = field(default=None)
    # Steps this module adds to the onboarding checklist.
    onboarding_steps: Sequence[OnboardingStep] = ()
    # Modules whose workspace and demo content this module's seeding builds on (the KPI
    # demo links indicators to the strategy's initiatives): they are seeded first.
    depends_on: Sequence[str] = ()
    # Commands this module adds to the ``saypro`` command line.
    cli_commands: Sequence[click.Command] = ()


def dependency_order(modules: Sequence[Module]) -> tuple[Module, ...]:
    """``modules`` in name order, except that each comes after the modules it depends on.

    Raises ValueError for a dependency that is not installed or a cycle."""
    by_name = {m.name: m for m in modules}
    ordered: list[Module] = []
    visiting: set[str] = set()

    def visit(module: Module, path: tuple[str, ...]) -> None:
        if module in ordered:
            return
        if module.name in visiting:
            raise ValueError("modules depend on each other: " + " → ".join((*path, module.name)))
        visiting.add(module.name)
        for name in sorted(module.depends_on):
            if name not in by_name:
                raise ValueError(
                    f"module {module.name!r} depends on {name!r}, which is not installed"
                )
            visit(by_name[name], (*path, module.name))
        visiting.discard(module.name)
        ordered.append(module)

    for module in sorted(modules, key=lambda m: m.name):
        visit(module, ())
    return tuple(ordered)


@lru_cache(maxsize=1)
def load_modules() -> tuple[Module, ...]:
    modules = []
    for entry in sorted(entry_points(group="saypro.modules"), key=lambda e: e.name):
        module = entry.load()
        if not isinstance(module, Module):
            raise TypeError(f"entry point {entry.name!r} is not a saypro Module")
        modules.append(module)
    return dependency_order(modules)
