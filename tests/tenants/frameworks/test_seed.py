"""The reference lists every workspace starts with."""

from __future__ import annotations

from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.tenants.frameworks.models import FrameworkItem, FrameworkKind
from saypro.tenants.frameworks.seed import seed_demo, seed_workspace
from tests.factories import make_tenant
from tests.tenants.frameworks.conftest import count, frameworks_of, items_of


def test_a_new_workspace_has_the_17_sdgs_with_targets(database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    items = items_of(database, tenant, sdg.id)
    goals = {code: item for code, item in items.items() if item.parent_id is None}
    assert sorted(goals, key=int) == [str(n) for n in range(1, 18)]
    assert goals["6"].title == "Clean water and sanitation"
    assert goals["9"].title == "Industry, innovation and infrastructure"
    assert goals["16"].title == "Peace, justice and strong institutions"
    assert goals["17"].title == "Partnerships for the goals"
    # Targets sit under their goal with their official numbers and wording.
    assert items["9.c"].parent_id == goals["9"].id
    assert items["9.c"].title.startswith("Significantly increase access to information and")
    assert items["16.10"].parent_id == goals["16"].id
    assert items["14.1"].title.startswith("By 2025, prevent and significantly reduce marine")
    assert items["3.d"].parent_id == goals["3"].id
    # Every goal has all of its official targets: 169 in all.
    expected = {
        "1": 7, "2": 8, "3": 13, "4": 10, "5": 9, "6": 8, "7": 5, "8": 12, "9": 8,
        "10": 10, "11": 10, "12": 11, "13": 5, "14": 10, "15": 12, "16": 12, "17": 19,
    }  # fmt: skip
    targets = {
        code: [c for c, i in items.items() if i.parent_id == goal.id]
        for code, goal in goals.items()
    }
    assert {code: len(codes) for code, codes in targets.items()} == expected
    assert sum(len(codes) for codes in targets.values()) == 169
    for code, codes in targets.items():
        assert all(c.startswith(f"{code}.") for c in codes)
        assert all(items[c].title for c in codes)


def test_a_new_workspace_has_the_back_to_basics_pillars_and_circular_88(
    database: Database,
) -> None:
    tenant = make_tenant(database, seed=True)
    frameworks = frameworks_of(database, tenant)
    pillars = items_of(database, tenant, frameworks[FrameworkKind.BACK_TO_BASICS].id)
    assert sorted(i.title for i in pillars.values()) == [
        "Building capable institutions and administrations",
        "Delivering basic services",
        "Good governance",
        "Putting people first",
        "Sound financial management",
    ]
    circular = items_of(database, tenant, frameworks[FrameworkKind.CIRCULAR_88].id)
    assert circular["GG6.1"].parent_id == circular["GG"].id
    assert {"WS1.1", "WS2.1", "EE1.1", "ENV3.1", "GG2.1"} <= set(circular)
    for kind in (
        FrameworkKind.IDP,
        FrameworkKind.SDBIP_TOP_LAYER,
        FrameworkKind.SDBIP_DEPARTMENTAL,
    ):
        assert items_of(database, tenant, frameworks[kind].id) == {}


def test_seeding_twice_adds_nothing(database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    before = count(database, tenant, FrameworkItem)
    for _ in range(2):
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant.id)
            seed_workspace(session)
            seed_demo(session, {})
    assert count(database, tenant, FrameworkItem) == before
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        codes = session.scalars(select(FrameworkItem.code)).all()
    assert len(codes) == before
