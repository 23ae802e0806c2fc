"""Walking the application's routes with municipality A's ids: which routes, how to call
them, what the uniform "not found" looks like, and what A holds before and after."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.guards import PUBLIC_KEY
from saypro.platform.identity.models import ConsultantAssignment, Invitation, Membership
from saypro.tenants.frameworks.models import Framework, FrameworkItem, Mapping
from saypro.tenants.kpis.models import ActualValue, Evidence, Indicator, PeriodLock, Target
from saypro.tenants.strategy.models import Initiative, Objective
from tests.isolation.world import PUBLIC_ROUTES_WITH_PARAMETERS, World, parameters

VALID_JSON = {
    "ObjectiveCreate": {"code": "XT1", "title": "Cross-tenant attempt"},
    "ObjectiveUpdate": {"title": "Cross-tenant attempt"},
    "InitiativeCreate": {"title": "Cross-tenant attempt"},
    "InitiativeUpdate": {"title": "Cross-tenant attempt"},
    "IndicatorCreate": {"code": "XT1", "name": "Cross-tenant attempt"},
    "IndicatorUpdate": {"name": "Cross-tenant attempt"},
    "TargetsSet": {"periods": [{"period": 1, "value": "1"}]},
    "ActualSet": {"value": "1"},
    "ReturnIn": {"comment": "Cross-tenant attempt"},
    "LockIn": {"financial_year": 2026, "quarter": 1},
    "UnlockIn": {"financial_year": 2026, "quarter": 1, "reason": "Cross-tenant attempt"},
    "ScaleSettings": {"scale": "rag"},
    "PublicFlagIn": {"public": True},
    "PublicSettingsIn": {"enabled": True},
    "FrameworkCreate": {"kind": "custom", "name": "Cross-tenant attempt"},
    "FrameworkUpdate": {"name": "Cross-tenant attempt"},
    "ItemCreate": {"code": "XT1", "title": "Cross-tenant attempt"},
    "ItemUpdate": {"title": "Cross-tenant attempt"},
    "MappingCreate": {"indicator_id": "00000000-0000-4000-8000-000000000000"},
    "ManagerIn": {"manager_id": None},
}
VALID_FORM = {
    "role": "viewer",
    "email": "cross-tenant@example.org",
    "code": "XT1",
    "title": "Cross-tenant attempt",
    "status": "not_started",
    "phase": "assessment",
    "weight": "1",
    "percent_complete": "10",
    "starts_on": "2026-01-01",
    "user_id": "",
    "kind": "custom",
    "name": "Cross-tenant attempt",
    "indicator_id": "",
    "comment": "Cross-tenant attempt",
    "reason": "Cross-tenant attempt",
    "period": "1",
}
NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "The requested resource was not found.",
}


def walked_routes(app: Litestar) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every route that takes a parameter, public ones with a
    stated reason excepted."""
    routes = []
    for route in app.routes:
        if not parameters(route.path) or route.path in PUBLIC_ROUTES_WITH_PARAMETERS:
            continue
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get(PUBLIC_KEY):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                routes.append((method, route.path, handler))
    return routes


def request_route(client: TestClient[Any], method: str, path: str, handler: Any) -> Any:
    data_param = handler.parsed_fn_signature.parameters.get("data")
    if data_param is None:
        return client.request(method, path)
    name = getattr(data_param.annotation, "__name__", "")
    media_type = getattr(data_param.kwarg_definition, "media_type", None)
    if media_type == RequestEncodingType.MULTI_PART:
        return client.request(
            method,
            path,
            data={"_csrf_token": client.headers["x-csrftoken"]},
            files={"file": ("evidence.pdf", b"%PDF-1.4 cross-tenant attempt", "application/pdf")},
        )
    if name in VALID_JSON:
        return client.request(method, path, json=VALID_JSON[name])
    return client.request(
        method, path, data={**VALID_FORM, "_csrf_token": client.headers["x-csrftoken"]}
    )


def is_the_uniform_404(url: str, response: Any) -> bool:
    if url.startswith("/api/"):
        return bool(response.json() == NOT_FOUND)
    return (
        "404 · Not Found" in response.text
        and "The requested resource was not found." in response.text
    )


def snapshot(database: Database, world: World) -> tuple[Any, ...]:
    tenant_id = world.tenant.id
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_id)
        objectives = session.query(Objective).order_by(Objective.id).all()
        initiatives = session.query(Initiative).order_by(Initiative.id).all()
        indicators = session.query(Indicator).order_by(Indicator.id).all()
        targets = session.query(Target).order_by(Target.id).all()
        actuals = session.query(ActualValue).order_by(ActualValue.id).all()
        frameworks = session.query(Framework).order_by(Framework.id).all()
        items = session.query(FrameworkItem).order_by(FrameworkItem.id).all()
        mappings = session.query(Mapping).order_by(Mapping.id).all()
        evidence = session.query(Evidence).order_by(Evidence.id).all()
        locks = session.query(PeriodLock).order_by(PeriodLock.id).all()
        invitations = session.execute(
            select(Invitation.id, Invitation.token_hash, Invitation.revoked_at).order_by(
                Invitation.id
            )
        ).all()
        members = session.execute(
            select(Membership.user_id, Membership.role, Membership.suspended_at)
            .where(Membership.tenant_id == tenant_id)
            .order_by(Membership.user_id)
        ).all()
        assignments = session.execute(
            select(ConsultantAssignment.user_id, ConsultantAssignment.ends_on).where(
                ConsultantAssignment.tenant_id == tenant_id
            )
        ).all()
        return (
            [(o.id, o.code, o.title, o.updated_at) for o in objectives],
            [(i.id, i.title, i.weight, i.updated_at) for i in initiatives],
            [tuple(m) for m in members],
            [tuple(a) for a in assignments],
            [tuple(i) for i in invitations],
            [(i.id, i.code, i.name, i.public, i.updated_at) for i in indicators],
            [(t.id, t.value, t.approved_at, t.updated_at) for t in targets],
            [(a.id, a.value, a.state, a.note, a.updated_at) for a in actuals],
            [(e.id, e.sha256, e.file_name) for e in evidence],
            [(lock.id, lock.quarter, lock.locked, lock.updated_at) for lock in locks],
            [(f.id, f.name, f.updated_at) for f in frameworks],
            [(i.id, i.code, i.title, i.parent_id, i.updated_at) for i in items],
            [(m.id, m.item_id, m.indicator_id) for m in mappings],
        )
