from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.tenants.kpis.models import ANNUAL, Indicator, Target
from saypro.tenants.kpis.periods import Frequency
from tests.factories import TenantRef
from tests.tenants.strategy.conftest import ObjectiveRef, make_objective


@dataclass(frozen=True)
class IndicatorRef:
    tenant: TenantRef
    indicator_id: uuid.UUID


def make_indicator(
    database: Database, tenant: TenantRef, code: str = "ICT1", *, year: int = 2026
) -> IndicatorRef:
    """A quarterly, cumulative indicator with 2026/27 targets of 100 a quarter."""
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        indicator = Indicator(code=code, name=f"Indicator {code}", frequency=Frequency.QUARTERLY)
        session.add(indicator)
        session.flush()
        for period in (ANNUAL, 1, 2, 3, 4):
            value = Decimal(400 if period == ANNUAL else 100)
            session.add(
                Target(indicator_id=indicator.id, financial_year=year, period=period, value=value)
            )
        session.flush()
        return IndicatorRef(tenant, indicator.id)


@pytest.fixture
def indicator_a(database: Database, tenant_a: TenantRef) -> IndicatorRef:
    return make_indicator(database, tenant_a)


@pytest.fixture
def objective_a(database: Database, tenant_a: TenantRef) -> ObjectiveRef:
    return make_objective(database, tenant_a)
