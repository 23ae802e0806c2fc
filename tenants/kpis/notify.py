"""Sending reminders: coming due and overdue to an indicator's owner, escalations to the
owner's manager, and the weekly digest to tenant admins.

Runs in a job, on a session bound to one municipality, in one transaction. Every
message is queued (platform outbox) in the transaction that inserts its ledger row
(``ReminderSent``), and the row is inserted with ON CONFLICT DO NOTHING on the step's
unique key: a second run, or a redelivered message, inserts nothing and sends nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant
from saypro.platform.email.service import queue_email_sync
from saypro.platform.identity.models import Membership, User
from saypro.platform.identity.permissions import Permission, Role, role_grants
from saypro.platform.jobs.context import job_settings
from saypro.platform.tenancy.models import Tenant, TenantStatus
from saypro.platform.web.links import absolute_url_for_job
from saypro.tenants.kpis.completion import completion_sync
from saypro.tenants.kpis.models import ActualState, ActualValue, Calculation, Indicator, PeriodLock
from saypro.tenants.kpis.periods import FinancialYear, Period, periods
from saypro.tenants.kpis.reminder_models import ReminderSent, ReminderSettings, ReportingLine
from saypro.tenants.kpis.schedule import (
    REPORTING_DAYS,
    Policy,
    Reminder,
    Step,
    awaits_report,
    due_date,
    is_digest_day,
    reminders_on,
)

REPORTED = (ActualState.SUBMITTED, ActualState.APPROVED)
TEMPLATES = {
    Step.COMING_DUE: "kpi_coming_due",
    Step.OVERDUE: "kpi_overdue",
    Step.ESCALATION: "kpi_escalation",
    Step.DIGEST: "kpi_digest",
}


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role


@dataclass(frozen=True)
class Workspace:
    tenant_id: uuid.UUID
    name: str
    slug: str


def _policy(session: Session) -> Policy:
    row = session.scalar(
        select(ReminderSettings).where(ReminderSettings.tenant_id == require_tenant(session))
    )
    return row.policy() if row is not None else Policy()


def _workspace(session: Session) -> Workspace | None:
    """The bound municipality, if it is active (a suspended one gets no mail)."""
    tenant = session.get(Tenant, require_tenant(session))
    if tenant is None or tenant.status is not TenantStatus.ACTIVE:
        return None
    return Workspace(tenant.id, tenant.name, tenant.slug)


def _people(session: Session, permission: Permission) -> dict[uuid.UUID, Person]:
    """Active members (not suspended, account active) whose role grants ``permission``."""
    rows = session.execute(
        select(User.id, User.email, User.full_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == require_tenant(session),
            Membership.suspended_at.is_(None),
            User.is_active.is_(True),
        )
    ).all()
    return {
        uid: Person(uid, email, name, role)
        for uid, email, name, role in rows
        if role_grants(role, permission)
    }


def _managers(session: Session) -> dict[uuid.UUID, uuid.UUID]:
    rows = session.execute(
        select(ReportingLine.user_id, ReportingLine.manager_id).where(
            ReportingLine.tenant_id == require_tenant(session)
        )
    )
    return dict(rows.all())


def _claim(
    session: Session,
    *,
    step: Step,
    recipient: uuid.UUID,
    scheduled_on: date,
    repeat: int = 0,
    indicator_id: uuid.UUID | None = None,
    financial_year: int | None = None,
    period: int | None = None,
) -> uuid.UUID | None:
    """Insert the step's ledger row; its id, or ``None`` when it was already sent."""
    key = (
        ["tenant_id", "indicator_id", "financial_year", "period", "step", "repeat", "recipient_id"]
        if indicator_id is not None
        else ["tenant_id", "step", "scheduled_on", "recipient_id"]
    )
    where = (
        ReminderSent.indicator_id.is_not(None)
        if indicator_id is not None
        else ReminderSent.indicator_id.is_(None)
    )
    statement = (
        insert(ReminderSent)
        .values(
            tenant_id=require_tenant(session),
            id=uuid.uuid4(),
            indicator_id=indicator_id,
            financial_year=financial_year,
            period=period,
            step=step.value,
            repeat=repeat,
            recipient_id=recipient,
            scheduled_on=scheduled_on,
        )
        .on_conflict_do_nothing(index_elements=key, index_where=where)
        .returning(ReminderSent.id)
    )
    return session.scalar(statement)


def _send(
    session: Session,
    ledger_id: uuid.UUID,
    to: Person,
    step: Step,
    context: dict[str, Any],
) -> None:
    email = queue_email_sync(
        session,
        to=to.email,
        template=TEMPLATES[step],
        context={"name": to.full_name, **context},
        tenant_id=require_tenant(session),
    )
    row = session.get(ReminderSent, (require_tenant(session), ledger_id))
    if row is not None:
        row.email_id = email.id


def _links(workspace: Workspace, indicator_id: uuid.UUID, period: Period) -> dict[str, str]:
    settings = job_settings()
    year = period.year.start_year
    base = f"/t/{workspace.slug}/kpis"
    return {
        "indicator_url": absolute_url_for_job(
            settings,
            f"{base}/indicators/{indicator_id}?year={year}&period={period.number}"
            f"#period-{period.number}",
        ),
        "report_url": absolute_url_for_job(
            settings, f"{base}/my-updates#item-{indicator_id}.{year}.{period.number}"
        ),
    }


def send_reminders(session: Session, today: date) -> int:
    """Queue every reminder step due on ``today`` that was not sent before; returns how
    many messages were queued (0 on a second run the same day)."""
    workspace = _workspace(session)
    policy = _policy(session)
    if workspace is None or not policy.enabled:
        return 0
    tenant_id = workspace.tenant_id
    owners = _people(session, Permission.KPIS_REPORT)
    readers = _people(session, Permission.KPIS_READ)
    managers = _managers(session)
    indicators = session.scalars(
        select(Indicator)
        .where(
            Indicator.tenant_id == tenant_id,
            Indicator.calculation == Calculation.MANUAL,
            Indicator.owner_id.is_not(None),
        )
        .order_by(Indicator.code)
    ).all()
    if not indicators:
        return 0
    current = FinancialYear.containing(today)
    years = [FinancialYear(current.start_year - 1), current]
    starts = [y.start_year for y in years]
    reported = set(
        session.execute(
            select(ActualValue.indicator_id, ActualValue.financial_year, ActualValue.period).where(
                ActualValue.tenant_id == tenant_id,
                ActualValue.financial_year.in_(starts),
                ActualValue.state.in_(REPORTED),
            )
        ).all()
    )
    locked = set(
        session.execute(
            select(PeriodLock.financial_year, PeriodLock.quarter).where(
                PeriodLock.tenant_id == tenant_id,
                PeriodLock.financial_year.in_(starts),
                PeriodLock.locked.is_(True),
            )
        ).all()
    )
    sent = 0
    for indicator in indicators:
        owner = owners.get(indicator.owner_id) if indicator.owner_id else None
        for year in years:
            for period in periods(year, indicator.frequency):
                if not awaits_report(
                    period,
                    today,
                    reported=(indicator.id, year.start_year, period.number) in reported,
                    locked=(year.start_year, period.quarter) in locked,
                ):
                    continue
                for reminder in reminders_on(policy, period, today):
                    recipient = owner
                    if reminder.step is Step.ESCALATION:
                        manager_id = managers.get(owner.user_id) if owner else None
                        recipient = readers.get(manager_id) if manager_id else None
                    if recipient is None:
                        continue
                    sent += _remind(
                        session, workspace, indicator, period, reminder, recipient, owner, today
                    )
    return sent


def _remind(
    session: Session,
    workspace: Workspace,
    indicator: Indicator,
    period: Period,
    reminder: Reminder,
    recipient: Person,
    owner: Person | None,
    today: date,
) -> int:
    ledger_id = _claim(
        session,
        step=reminder.step,
        recipient=recipient.user_id,
        scheduled_on=reminder.on,
        repeat=reminder.repeat,
        indicator_id=indicator.id,
        financial_year=period.year.start_year,
        period=period.number,
    )
    if ledger_id is None:
        return 0
    due = due_date(period)
    _send(
        session,
        ledger_id,
        recipient,
        reminder.step,
        {
            "municipality": workspace.name,
            "code": indicator.code,
            "indicator": indicator.name,
            "period": period.label,
            "due_on": due.isoformat(),
            "days_overdue": max(0, (today - due).days),
            "repeat": reminder.repeat,
            "owner": owner.full_name if owner else "",
            **_links(workspace, indicator.id, period),
        },
    )
    return 1


def digest_year(today: date) -> FinancialYear:
    """The year the digest reports: the current one once its first periods fall due,
    before that (July) the year just ended, whose last quarter is still being reported."""
    return FinancialYear.containing(today - timedelta(days=REPORTING_DAYS))


def send_digest(session: Session, today: date) -> int:
    """On the workspace's digest weekday, the week's completion per department to every
    active tenant admin (once per admin and day); returns how many were queued."""
    workspace = _workspace(session)
    policy = _policy(session)
    if workspace is None or not is_digest_day(policy, today):
        return 0
    admins = [
        person
        for person in _people(session, Permission.KPIS_READ).values()
        if person.role is Role.TENANT_ADMIN
    ]
    if not admins:
        return 0
    year = digest_year(today)
    figures = completion_sync(session, workspace.tenant_id, year.start_year, None, today)
    settings = job_settings()
    context = {
        "municipality": workspace.name,
        "year": year.label,
        "as_of": today.isoformat(),
        "total": figures.total.model_dump(),
        "departments": [row.model_dump() for row in figures.by_department],
        "completion_url": absolute_url_for_job(
            settings, f"/t/{workspace.slug}/kpis/completion?year={year.start_year}"
        ),
    }
    sent = 0
    for admin in sorted(admins, key=lambda p: p.email):
        ledger_id = _claim(session, step=Step.DIGEST, recipient=admin.user_id, scheduled_on=today)
        if ledger_id is not None:
            _send(session, ledger_id, admin, Step.DIGEST, context)
            sent += 1
    return sent
