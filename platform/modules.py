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


@lru_cache(maxsize=1)
def load_modules() -> tuple[Module, ...]:
    modules = []
    for entry in sorted(entry_points(group="saypro.modules"), key=lambda e: e.name):
        module = entry.load()
        if not isinstance(module, Module):
            raise TypeError(f"entry point {entry.name!r} is not a saypro Module")
        modules.append(module)
    return tuple(modules)
