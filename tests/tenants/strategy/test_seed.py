from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.tenants.strategy.models import Objective
from saypro.tenants.strategy.seed import PROGRAMME_OBJECTIVES, seed_workspace
from tests.factories import make_tenant


def test_a_new_workspace_starts_with_the_programmes_seven_objectives(database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        rows = session.execute(
            select(Objective.code, Objective.title).order_by(Objective.code)
        ).all()
    assert [(code, title) for code, title in rows] == [(c, t) for c, t, _ in PROGRAMME_OBJECTIVES]
    assert len(rows) == 7
    assert rows[0].title == "Strengthen Municipal Digital Infrastructure"


def test_seeding_twice_adds_nothing(database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        seed_workspace(session)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        assert len(session.scalars(select(Objective.id)).all()) == 7
