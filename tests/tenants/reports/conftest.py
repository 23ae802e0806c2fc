"""A municipality with a known 2025/26 (every quarter has ended): a cumulative indicator
reported and approved in Q1 and Q2 with evidence, one never reported, one submitted but
not approved, linked to a strategic objective and a logframe item; and another
municipality's indicator that must never show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.tenants.kpis.models import ActualState, ActualValue, Evidence, ObjectiveLink
from tests.factories import TenantRef, UserRef, make_user
from tests.tenants.frameworks.conftest import FrameworkRef, make_framework
from tests.tenants.kpis.conftest import make_indicator
from tests.tenants.strategy.conftest import ObjectiveRef, make_objective

YEAR = 2025  # 2025/26: every quarter has ended, so nothing is "not due" by the calendar


@dataclass(frozen=True)
class Fixture:
    tenant: TenantRef
    editor: UserRef
    viewer: UserRef
    cumulative: uuid.UUID  # CUM1: 90 in Q1, 120 in Q2, approved; evidence on Q2
    silent: uuid.UUID  # NR1: never reported
    pending: uuid.UUID  # SUB1: 150 in Q2, submitted, not approved
    objective: ObjectiveRef
    framework: FrameworkRef  # CUM1 feeds its item OP1.1
    evidence_id: uuid.UUID


def add_actual(
    database: Database,
    tenant: TenantRef,
    indicator_id: uuid.UUID,
    period: int,
    value: int,
    state: ActualState,
    **fields: str,
) -> uuid.UUID:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        row = ActualValue(
            indicator_id=indicator_id,
            financial_year=YEAR,
            period=period,
            value=Decimal(value),
            state=state,
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id


def build(database: Database, tenant: TenantRef) -> Fixture:
    editor = make_user(database, (tenant, Role.EDITOR), name="Report Editor")
    viewer = make_user(database, (tenant, Role.VIEWER), name="Councillor")
    cumulative = make_indicator(database, tenant, "CUM1", year=YEAR).indicator_id
    silent = make_indicator(database, tenant, "NR1", year=YEAR).indicator_id
    pending = make_indicator(database, tenant, "SUB1", year=YEAR).indicator_id
    add_actual(
        database,
        tenant,
        cumulative,
        1,
        90,
        ActualState.APPROVED,
        deviation_reason="Vendor delay",
        corrective_measure="New vendor contracted",
    )
    q2 = add_actual(database, tenant, cumulative, 2, 120, ActualState.APPROVED)
    add_actual(database, tenant, pending, 2, 150, ActualState.SUBMITTED)
    objective = make_objective(database, tenant)
    framework = make_framework(database, tenant, indicator_id=cumulative)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        session.add(ObjectiveLink(indicator_id=cumulative, objective_id=objective.objective_id))
        evidence = Evidence(
            actual_id=q2,
            file_name="q2-tickets.pdf",
            content_type="application/pdf",
            size_bytes=10,
            sha256="1" * 64,
            stored_path="kpi-evidence/q2",
        )
        session.add(evidence)
        session.flush()
        evidence_id = evidence.id
    return Fixture(
        tenant, editor, viewer, cumulative, silent, pending, objective, framework, evidence_id
    )


@pytest.fixture
def known(database: Database, tenant_a: TenantRef, tenant_b: TenantRef) -> Fixture:
    make_indicator(database, tenant_b, "BETA1", year=YEAR)
    return build(database, tenant_a)


def exports(database: Database, tenant: TenantRef, action: str) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )
        session.expunge_all()
        return events
