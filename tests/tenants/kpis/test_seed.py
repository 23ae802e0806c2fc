"""The KPI template of a new workspace and the demo content."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func, select

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.modules import load_modules
from saypro.tenants.frameworks.models import FrameworkItem, Mapping
from saypro.tenants.kpis.models import Calculation, Indicator, InitiativeLink, ObjectiveLink
from saypro.tenants.kpis.seed import DEMO_LINKS, PROGRAMME_INDICATORS, seed_demo, seed_workspace
from saypro.tenants.strategy.models import Initiative, Objective
from tests.conftest import login
from tests.factories import make_tenant, make_user


def test_a_new_workspace_starts_with_the_programmes_ict_indicators(database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        rows = {i.code: i for i in session.scalars(select(Indicator))}
    assert set(rows) == {str(f["code"]) for f in PROGRAMME_INDICATORS}
    assert rows["ICT1"].name == "Network uptime of municipal sites"
    assert rows["ICT2"].calculation is Calculation.FORMULA and rows["ICT2"].formula


def test_seeding_twice_adds_nothing(database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    for _ in range(2):
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant.id)
            seed_workspace(session)
            seed_demo(session, {})
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        assert len(session.scalars(select(Indicator.id)).all()) == len(PROGRAMME_INDICATORS)


def test_demo_content_shows_statuses_so_far(database: Database, client: TestClient[Any]) -> None:
    tenant = make_tenant(database, seed=True)
    editor = make_user(database, (tenant, Role.EDITOR))
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        seed_demo(session, {"editor": editor.id})
        ids = {i.code: i.id for i in session.scalars(select(Indicator))}
    login(client, editor)
    base = f"/api/v1/t/{tenant.slug}/kpis/indicators"
    uptime = client.get(f"{base}/{ids['ICT1']}/targets/2026").json()
    assert uptime["periods"][0]["actual"] == "99.4200"
    assert uptime["periods"][0]["status"]["key"] == "C"
    ratio = client.get(f"{base}/{ids['ICT2']}/targets/2026").json()
    # July: 372 of 401 tickets within SLA = 92.77% against 90%.
    assert ratio["periods"][0]["actual"] == "92.7681"
    assert ratio["periods"][0]["status"]["key"] == "C"
    logged = client.get(f"{base}/{ids['ICT2A']}/targets/2026").json()
    assert logged["periods"][0]["status"]["key"] == "C"  # within 350-450
    assert date.fromisoformat(logged["periods"][0]["ends_on"]) == date(2026, 7, 31)


def test_demo_indicators_roll_up_into_the_strategy_and_feed_frameworks(database: Database) -> None:
    """Seeded in dependency order (strategy, KPIs, frameworks), the demo's indicators are
    linked to objectives and initiatives and mapped to framework items, once."""
    tenant = make_tenant(database, seed=False)
    for _ in range(2):
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant.id)
            for module in load_modules():
                if module.seed_demo is not None:
                    module.seed_demo(session, {})
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        uptime = session.scalars(select(Indicator).where(Indicator.code == "ICT1")).one()
        objective_links = session.execute(
            select(Objective.code, ObjectiveLink.weight)
            .join(Objective, Objective.id == ObjectiveLink.objective_id)
            .where(ObjectiveLink.indicator_id == uptime.id)
        ).all()
        assert [(code, str(weight)) for code, weight in objective_links] == [("SO1", "2.00")]
        initiatives = session.scalars(
            select(Initiative.title)
            .join(InitiativeLink, InitiativeLink.initiative_id == Initiative.id)
            .where(InitiativeLink.indicator_id == uptime.id)
        ).all()
        assert initiatives == ["Fibre link to satellite offices"]
        items = session.scalars(
            select(FrameworkItem.code)
            .join(Mapping, Mapping.item_id == FrameworkItem.id)
            .where(Mapping.indicator_id == uptime.id)
            .order_by(FrameworkItem.code)
        ).all()
        assert items == ["9.c", "B2B2"]
        assert session.scalar(select(func.count()).select_from(ObjectiveLink)) == len(DEMO_LINKS)
