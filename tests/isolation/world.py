"""Municipality A with something behind every kind of id a route takes, and the rules for
filling a route's path with A's ids. A route whose path takes a parameter that has no
filler here fails the isolation test: a new kind of id must bring its case with it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Permission, Role
from saypro.tenants.kpis.imports.models import ImportKind, ImportRun, ImportStatus
from saypro.tenants.kpis.models import ActualValue, Evidence
from tests.factories import TenantRef, UserRef, make_invitation, make_user
from tests.platform.identity.tokens import make_token
from tests.platform.privacy.factories import make_export
from tests.tenants.frameworks.conftest import make_framework
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
    member = make_user(database, (tenant, Role.TENANT_ADMIN), name="Member of A")
    world = World(tenant=tenant, objective=make_objective(database, tenant), member=member)
    token_id, _secret = make_token(database, member, tenant, [Permission.STRATEGY_READ])
    world.extra["token_id"] = token_id
    world.extra["export_id"] = make_export(database, tenant)
    world.extra["invitation_id"] = make_invitation(database, tenant)
    world.extra["indicator_id"] = make_indicator(database, tenant).indicator_id
    # A logframe whose output item A's indicator feeds.
    framework = make_framework(database, tenant, indicator_id=world.extra["indicator_id"])
    world.extra["framework_id"] = framework.framework_id
    world.extra["item_id"] = framework.child_id
    world.extra["evidence_id"] = make_evidence(database, tenant, world.extra["indicator_id"])
    world.extra["import_id"] = make_import_run(database, tenant)
    return world


def make_import_run(database: Database, tenant: TenantRef) -> uuid.UUID:
    """A previewed, valid import of A (its file is never read: the walk stops before)."""
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        run = ImportRun(
            kind=ImportKind.ACTUALS,
            status=ImportStatus.VALID,
            file_name="actuals.csv",
            file_format="csv",
            size_bytes=10,
            sha256="0" * 64,
            stored_path="imports/missing.csv",
            submit=False,
            rows_total=1,
            rows_done=1,
            error_count=0,
            errors=[],
            summary={"created": 1},
        )
        session.add(run)
        session.flush()
        return run.id


def make_evidence(database: Database, tenant: TenantRef, indicator_id: uuid.UUID) -> uuid.UUID:
    """A draft actual of the indicator's first 2026/27 quarter with one evidence row (its
    file is never read: the walk must not get that far)."""
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        actual = ActualValue(
            indicator_id=indicator_id, financial_year=2026, period=1, value=Decimal(90)
        )
        session.add(actual)
        session.flush()
        evidence = Evidence(
            actual_id=actual.id,
            file_name="q1-report.pdf",
            content_type="application/pdf",
            size_bytes=10,
            sha256="0" * 64,
            stored_path="kpi-evidence/missing",
        )
        session.add(evidence)
        session.flush()
        return evidence.id


# How each path parameter is filled with municipality A's object.
FILLERS: dict[str, Callable[[World], str]] = {
    "tenant_id": lambda w: str(w.tenant.id),
    "user_id": lambda w: str(w.member.id),
    "objective_id": lambda w: str(w.objective.objective_id),
    "initiative_id": lambda w: str(w.objective.initiative_id),
    "token_id": lambda w: str(w.extra["token_id"]),  # an API token of A's member
    "export_id": lambda w: str(w.extra["export_id"]),  # a finished data export of A
    "invitation_id": lambda w: str(w.extra["invitation_id"]),
    "indicator_id": lambda w: str(w.extra["indicator_id"]),
    "framework_id": lambda w: str(w.extra["framework_id"]),  # a framework of A
    "item_id": lambda w: str(w.extra["item_id"]),  # an item of that framework, mapped
    # A's indicator has targets in 2026/27; period 1 is its first quarter.
    "financial_year": lambda w: "2026",
    "period": lambda w: "1",
    "evidence_id": lambda w: str(w.extra["evidence_id"]),  # an evidence file of A's actual
    "import_id": lambda w: str(w.extra["import_id"]),  # a previewed import of A
}

# Public routes that take a parameter, and why showing them to anyone is right. They are
# not walked; every other route is.
PUBLIC_ROUTES_WITH_PARAMETERS: dict[str, str] = {
    "/static/{file_path:path}": "stylesheets, scripts and images, the same for everyone",
    "/api/schema/{path:str}": "the API's description (OpenAPI), the same for everyone",
    "/join/{municipality:str}/{token:str}": (
        "an invitation link: shows its municipality and role only to the holder of the "
        "token, whose hash is looked up in that municipality alone"
    ),
    "/login/{municipality:str}": "a municipality's own sign-in page: its name is public",
    "/login/{municipality:str}/sso": "starts single sign-on at the municipality's provider",
    "/login/{municipality:str}/sso/callback": (
        "the provider's answer; accepted only with the state this browser's session holds"
    ),
    "/signup/verify/{token:str}": "a verification link: the token is the access",
    "/password-reset/{token:str}": "a password-reset link: the token is the access",
    "/public/{municipality:str}/performance": (
        "a municipality's public performance dashboard: only what its admins published "
        "(public indicators, approved results); off, unknown or suspended is the uniform 404"
    ),
    "/public/{municipality:str}/performance/embed": (
        "the same dashboard for framing in the municipality's own website"
    ),
    "/api/v1/public/{municipality:str}/performance": "the same dashboard as JSON",
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
