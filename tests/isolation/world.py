"""Municipality A with something behind every kind of id a route takes, and the rules for
filling a route's path with A's ids. A route whose path takes a parameter that has no
filler here fails the isolation test: a new kind of id must bring its case with it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from tests.factories import TenantRef, UserRef, make_user
from tests.tenants.kpis.conftest import make_indicator
from tests.tenants.strategy.conftest import ObjectiveRef, make_objective


@dataclass
class World:
    """What municipality A holds; ``extra`` carries ids that later features add."""

    tenant: TenantRef
    objective: ObjectiveRef
    member: UserRef
    extra: dict[str, uuid.UUID] = field(default_factory=dict)


def build_world(database: Database, tenant: TenantRef) -> World:
    return World(
        tenant=tenant,
        objective=make_objective(database, tenant),
        member=make_user(database, (tenant, Role.TENANT_ADMIN), name="Member of A"),
        extra={"indicator_id": make_indicator(database, tenant).indicator_id},
    )


# How each path parameter is filled with municipality A's object.
FILLERS: dict[str, Callable[[World], str]] = {
    "tenant_id": lambda w: str(w.tenant.id),
    "user_id": lambda w: str(w.member.id),
    "objective_id": lambda w: str(w.objective.objective_id),
    "initiative_id": lambda w: str(w.objective.initiative_id),
    "indicator_id": lambda w: str(w.extra["indicator_id"]),
    # A's indicator has targets in 2026/27; period 1 is its first quarter.
    "financial_year": lambda w: "2026",
    "period": lambda w: "1",
}

# Public routes that take a parameter, and why showing them to anyone is right. They are
# not walked; every other route is.
PUBLIC_ROUTES_WITH_PARAMETERS: dict[str, str] = {
    "/static/{file_path:path}": "stylesheets, scripts and images, the same for everyone",
}

PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def parameters(path: str) -> list[str]:
    return PARAMETER.findall(path)


def fill(path: str, world: World, slug: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "tenant_slug":
            return slug
        return FILLERS[name](world)

    return PARAMETER.sub(replace, path)
