from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.tenants.strategy.models import Initiative, Objective
from tests.factories import TenantRef


@dataclass(frozen=True)
class ObjectiveRef:
    tenant: TenantRef
    objective_id: uuid.UUID
    initiative_id: uuid.UUID


def make_objective(database: Database, tenant: TenantRef, code: str = "SO1") -> ObjectiveRef:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        objective = Objective(code=code, title=f"Objective {code}")
        session.add(objective)
        session.flush()
        initiative = Initiative(
            objective_id=objective.id,
            title="Initiative",
            weight=Decimal(2),
            percent_complete=Decimal(50),
        )
        session.add(initiative)
        session.flush()
        return ObjectiveRef(tenant, objective.id, initiative.id)


@pytest.fixture
def objective_a(database: Database, tenant_a: TenantRef) -> ObjectiveRef:
    return make_objective(database, tenant_a)


@pytest.fixture
def objective_b(database: Database, tenant_b: TenantRef) -> ObjectiveRef:
    return make_objective(database, tenant_b)
