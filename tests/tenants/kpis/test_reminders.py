"""Reminder and digest jobs against the real database, outbox and a loopback SMTP
server: coming due, overdue and escalation steps on the days the schedule names, each
sent once however often the job runs, with a deep link to the indicator's period; who
gets nothing (suspended, viewers, no manager) and what is never reminded (calculated
indicators, locked quarters, submitted or approved periods)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.email.models import OutgoingEmail
from saypro.platform.identity.models import Membership
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs import context as job_context
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.settings import Settings
from saypro.tenants.kpis.models import (
    ActualState,
    ActualValue,
    Calculation,
    Indicator,
    PeriodLock,
)
from saypro.tenants.kpis.reminder_models import ReminderSent, ReminderSettings, ReportingLine
from saypro.tenants.kpis.tasks import DIGEST_JOB, REMINDERS_JOB
from tests.conftest import login
from tests.factories import TenantRef, UserRef, make_user
from tests.mail import Mailbox, text_of
from tests.tenants.kpis.conftest import IndicatorRef, People, assign, make_indicator

BASE = "https://saypro.example"


@pytest.fixture(autouse=True)
def job_settings(settings: Settings) -> Iterator[Settings]:
    """The worker's settings, with the public address links in mail start with."""
    configured = settings.model_copy(update={"public_base_url": BASE})
    job_context.configure(configured)
    yield configured
    job_context.configure(settings)


def run(database: Database, tenant: TenantRef, day: str, name: str = REMINDERS_JOB) -> None:
    run_job(database, get_job(name), str(tenant.id), {"on": day})


def queued(database: Database, user: UserRef, template: str | None = None) -> list[OutgoingEmail]:
    with database.sync_sessions() as session:
        statement = select(OutgoingEmail).where(OutgoingEmail.to_address == user.email)
        if template:
            statement = statement.where(OutgoingEmail.template == template)
        return list(session.scalars(statement.order_by(OutgoingEmail.created_at)))


def words(text: str) -> str:
    """The text with its line breaks (CRLF in mail) and runs of spaces as single spaces."""
    return " ".join(text.split())


def set_actual(database: Database, ref: IndicatorRef, state: ActualState, period: int = 1) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, ref.tenant.id)
        session.add(
            ActualValue(
                indicator_id=ref.indicator_id,
                financial_year=2026,
                period=period,
                value=Decimal(100),
                state=state,
            )
        )


def set_manager(database: Database, tenant: TenantRef, user: UserRef, manager: UserRef) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        session.add(ReportingLine(user_id=user.id, manager_id=manager.id))


def suspend(database: Database, tenant: TenantRef, user: UserRef) -> None:
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(Membership)
            .where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
            .values(suspended_at=datetime.now(UTC))
        )


@pytest.fixture
def manager(database: Database, tenant_a: TenantRef, people: People) -> UserRef:
    boss = make_user(database, (tenant_a, Role.VIEWER), name="Manager")
    set_manager(database, tenant_a, people.owner, boss)
    return boss


def test_each_step_is_sent_once_and_the_next_on_its_day(
    database: Database,
    tenant_a: TenantRef,
    people: People,
    owned: IndicatorRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> None:
    run(database, tenant_a, "2026-10-22")
    assert queued(database, people.owner) == []
    run(database, tenant_a, "2026-10-23")
    run(database, tenant_a, "2026-10-23")  # the job again (or a redelivered message)
    run(database, tenant_a, "2026-10-25")  # a later day in the same window
    assert [e.template for e in queued(database, people.owner)] == ["kpi_coming_due"]
    deliver_mail()
    first = mailbox.wait_for(people.owner.email)
    assert words(first["Subject"]) == "ICT1 Q1 2026/27 (Jul–Sep 2026) is due by 2026-10-30"

    run(database, tenant_a, "2026-10-31")
    run(database, tenant_a, "2026-10-31")
    run(database, tenant_a, "2026-11-06")  # still the first overdue reminder's week
    assert [e.template for e in queued(database, people.owner)] == [
        "kpi_coming_due",
        "kpi_overdue",
    ]
    run(database, tenant_a, "2026-11-07")
    deliver_mail()
    second = mailbox.wait_for(people.owner.email, count=2)
    assert "was due on 2026-10-30 and is 1 day overdue" in words(text_of(second))
    third = mailbox.wait_for(people.owner.email, count=3)
    assert "8 days overdue" in words(text_of(third))
    assert len(mailbox.to(people.owner.email)) == 3
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        ledger = session.execute(
            select(ReminderSent.step, ReminderSent.repeat, ReminderSent.scheduled_on)
            .where(ReminderSent.recipient_id == people.owner.id)
            .order_by(ReminderSent.scheduled_on)
        ).all()
    assert [(step, repeat, str(day)) for step, repeat, day in ledger] == [
        ("coming_due", 0, "2026-10-23"),
        ("overdue", 1, "2026-10-31"),
        ("overdue", 2, "2026-11-07"),
    ]


def test_the_email_links_to_the_indicator_period_and_my_updates(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    people: People,
    owned: IndicatorRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> None:
    run(database, tenant_a, "2026-10-23")
    deliver_mail()
    body = text_of(mailbox.wait_for(people.owner.email))
    indicator_link = (
        f"{BASE}/t/{tenant_a.slug}/kpis/indicators/{owned.indicator_id}?year=2026&period=1#period-1"
    )
    report_link = f"{BASE}/t/{tenant_a.slug}/kpis/my-updates#item-{owned.indicator_id}.2026.1"
    assert indicator_link in body
    assert report_link in body
    login(client, people.owner)
    page = client.get(indicator_link.removeprefix(BASE))
    assert page.status_code == 200
    assert 'id="period-1" class="highlight"' in page.text


def test_escalation_goes_to_the_owners_manager_once(
    database: Database,
    tenant_a: TenantRef,
    people: People,
    owned: IndicatorRef,
    manager: UserRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> None:
    run(database, tenant_a, "2026-11-12")
    assert queued(database, manager) == []
    run(database, tenant_a, "2026-11-13")
    run(database, tenant_a, "2026-11-13")
    run(database, tenant_a, "2026-11-15")
    assert [e.template for e in queued(database, manager)] == ["kpi_escalation"]
    deliver_mail()
    message = mailbox.wait_for(manager.email)
    assert words(message["Subject"]) == (
        "Escalation: Owner has not reported ICT1 Q1 2026/27 (Jul–Sep 2026)"
    )
    body = words(text_of(message))
    assert "You are Owner's manager" in body and "14 days later" in body
    assert f"/kpis/indicators/{owned.indicator_id}?year=2026&period=1#period-1" in body
    assert len(mailbox.to(manager.email)) == 1


def test_no_escalation_without_a_manager_or_to_a_suspended_one(
    database: Database, tenant_a: TenantRef, people: People, owned: IndicatorRef
) -> None:
    run(database, tenant_a, "2026-11-13")
    assert queued(database, people.owner, "kpi_overdue") != []
    assert queued(database, people.admin) == queued(database, people.reviewer) == []
    boss = make_user(database, (tenant_a, Role.EDITOR), name="Suspended boss")
    set_manager(database, tenant_a, people.owner, boss)
    suspend(database, tenant_a, boss)
    run(database, tenant_a, "2026-11-14")
    assert queued(database, boss) == []


@pytest.mark.parametrize("state", [ActualState.SUBMITTED, ActualState.APPROVED])
def test_reported_periods_are_not_reminded(
    database: Database,
    tenant_a: TenantRef,
    people: People,
    owned: IndicatorRef,
    manager: UserRef,
    state: ActualState,
) -> None:
    set_actual(database, owned, state)
    for day in ("2026-10-23", "2026-10-31", "2026-11-13"):
        run(database, tenant_a, day)
    assert queued(database, people.owner) == queued(database, manager) == []


@pytest.mark.parametrize("state", [ActualState.DRAFT, ActualState.RETURNED])
def test_drafts_and_returned_actuals_count_as_not_reported(
    database: Database,
    tenant_a: TenantRef,
    people: People,
    owned: IndicatorRef,
    state: ActualState,
) -> None:
    set_actual(database, owned, state)
    run(database, tenant_a, "2026-10-31")
    assert [e.template for e in queued(database, people.owner)] == ["kpi_overdue"]


def test_locked_quarters_and_calculated_indicators_get_no_reminders(
    database: Database, tenant_a: TenantRef, people: People, owned: IndicatorRef
) -> None:
    calculated = make_indicator(database, tenant_a, "ICT9")
    assign(database, calculated, people.owner, people.reviewer)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.execute(
            update(Indicator)
            .where(Indicator.id == calculated.indicator_id)
            .values(calculation=Calculation.FORMULA, formula="ICT1 * 2")
        )
        session.add(PeriodLock(financial_year=2026, quarter=2, locked=True, unlock_reason=""))
    run(database, tenant_a, "2026-10-23")  # Q1 of ICT1 only
    assert [e.subject[:7] for e in queued(database, people.owner)] == ["ICT1 Q1"]
    run(database, tenant_a, "2027-01-23")  # Q2 would be coming due, but it is locked
    assert len(queued(database, people.owner)) == 1


def test_suspended_owners_and_owners_without_reporting_access_get_nothing(
    database: Database, tenant_a: TenantRef, people: People
) -> None:
    viewer = make_user(database, (tenant_a, Role.VIEWER), name="Viewer owner")
    assign(database, make_indicator(database, tenant_a, "V1"), viewer, people.reviewer)
    assign(database, make_indicator(database, tenant_a, "S1"), people.other, people.reviewer)
    suspend(database, tenant_a, people.other)
    run(database, tenant_a, "2026-10-23")
    assert queued(database, viewer) == queued(database, people.other) == []


def test_reminders_switched_off_send_nothing(
    database: Database, tenant_a: TenantRef, people: People, owned: IndicatorRef
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(
            ReminderSettings(
                enabled=False,
                days_before=7,
                overdue_every=7,
                overdue_max=4,
                escalate_after=14,
                digest_weekday=0,
            )
        )
    run(database, tenant_a, "2026-10-23")
    run(database, tenant_a, "2026-11-02", DIGEST_JOB)
    assert queued(database, people.owner) == queued(database, people.admin) == []


def test_another_municipality_is_not_reminded_by_this_ones_job(
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    people: People,
    owned: IndicatorRef,
) -> None:
    owner_b = make_user(database, (tenant_b, Role.CONTRIBUTOR), name="Owner B")
    assign(database, make_indicator(database, tenant_b), owner_b, owner_b)
    run(database, tenant_a, "2026-10-23")
    assert queued(database, owner_b) == []
    run(database, tenant_b, "2026-10-23")
    assert len(queued(database, owner_b)) == 1


def test_weekly_digest_goes_to_each_active_admin_once_on_the_weekday(
    database: Database,
    tenant_a: TenantRef,
    people: People,
    owned: IndicatorRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> None:
    second = make_indicator(database, tenant_a, "ICT2")
    assign(database, second, people.owner, people.reviewer)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.execute(
            update(Indicator).where(Indicator.id == owned.indicator_id).values(department="ICT")
        )
    set_actual(database, second, ActualState.APPROVED)
    run(database, tenant_a, "2026-11-03", DIGEST_JOB)  # a Tuesday
    assert queued(database, people.admin) == []
    run(database, tenant_a, "2026-11-02", DIGEST_JOB)  # Monday
    run(database, tenant_a, "2026-11-02", DIGEST_JOB)
    assert [e.template for e in queued(database, people.admin)] == ["kpi_digest"]
    assert queued(database, people.reviewer) == []  # editors are not sent the digest
    deliver_mail()
    message = mailbox.wait_for(people.admin.email)
    assert words(message["Subject"]) == (
        f"KPI reporting in {tenant_a.name}: 1 of 2 reported (2026/27)"
    )
    body = words(text_of(message))
    assert "- ICT: 1 / 0 (0.0%) / 0 (0.0%) / 1 (100.0%) -" in body
    assert "- No department: 1 / 1 (100.0%) / 1 (100.0%) / 0 (0.0%) The" in body
    assert f"{BASE}/t/{tenant_a.slug}/kpis/completion?year=2026" in body
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        count = session.scalar(
            select(func.count()).select_from(ReminderSent).where(ReminderSent.step == "digest")
        )
    assert count == 1


def test_reminder_ledger_refuses_a_second_row_for_the_same_step(
    database: Database, tenant_a: TenantRef, people: People, owned: IndicatorRef
) -> None:
    """The unique key itself, not only the job's care, keeps a step to one message."""
    from sqlalchemy.exc import IntegrityError

    row: dict[str, Any] = {
        "indicator_id": owned.indicator_id,
        "financial_year": 2026,
        "period": 1,
        "step": "overdue",
        "repeat": 1,
        "recipient_id": people.owner.id,
    }
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(ReminderSent(id=uuid.uuid4(), scheduled_on=datetime(2026, 10, 31), **row))
    with pytest.raises(IntegrityError), database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(ReminderSent(id=uuid.uuid4(), scheduled_on=datetime(2026, 11, 1), **row))
