from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.settings import get_settings
from saypro.tenants.kpis.models import ANNUAL, ActualValue, Indicator, Target
from saypro.tenants.kpis.periods import Frequency
from tests.factories import TenantRef, UserRef, make_user
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


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """SAYPRO_DATA_DIR for this test (the web handlers read it through get_settings)."""
    root = tmp_path / "data"
    monkeypatch.setenv("SAYPRO_DATA_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


class People:
    def __init__(self, database: Database, tenant: TenantRef) -> None:
        self.owner = make_user(database, (tenant, Role.CONTRIBUTOR), name="Owner")
        self.reviewer = make_user(database, (tenant, Role.EDITOR), name="Reviewer")
        self.admin = make_user(database, (tenant, Role.TENANT_ADMIN), name="Admin")
        self.other = make_user(database, (tenant, Role.CONTRIBUTOR), name="Other")


@pytest.fixture
def people(database: Database, tenant_a: TenantRef) -> People:
    return People(database, tenant_a)


def assign(database: Database, ref: IndicatorRef, owner: UserRef, reviewer: UserRef) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, ref.tenant.id)
        session.execute(
            update(Indicator)
            .where(Indicator.id == ref.indicator_id)
            .values(owner_id=owner.id, reviewer_id=reviewer.id)
        )


@pytest.fixture
def owned(database: Database, tenant_a: TenantRef, people: People) -> IndicatorRef:
    ref = make_indicator(database, tenant_a)
    assign(database, ref, people.owner, people.reviewer)
    return ref


def _actions(database: Database, tenant: TenantRef) -> list[str]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("kpis."))
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        )


def _state(database: Database, ref: IndicatorRef, period: int = 1) -> str | None:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, ref.tenant.id)
        row = session.scalar(
            select(ActualValue).where(
                ActualValue.indicator_id == ref.indicator_id, ActualValue.period == period
            )
        )
        return None if row is None else row.state.value
