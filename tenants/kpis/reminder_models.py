"""Getting data in: a workspace's reminder settings, who receives a member's
escalations (their manager), and the ledger of reminders sent.

The ledger's unique keys make sending idempotent: a reminder is queued only in the
transaction that inserts its ledger row, so a job run twice (or a redelivered message)
finds the row and sends nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, TenantScoped, Timestamped
from saypro.tenants.kpis.schedule import Policy

DEFAULT = Policy()
POLICY_FIELDS = [f.name for f in fields(Policy)]


class ReminderSettings(TenantScoped, Timestamped, Base):
    """One row per workspace; a workspace without one uses the defaults (``Policy()``)."""

    __tablename__ = "kpi_reminder_settings"
    __table_args__ = (
        Index("uq_kpi_reminder_settings_tenant", "tenant_id", unique=True),
        CheckConstraint("days_before >= 1 AND days_before <= 30", name="days_before_range"),
        CheckConstraint("overdue_every >= 1 AND overdue_every <= 60", name="overdue_every_range"),
        CheckConstraint("overdue_max >= 0 AND overdue_max <= 20", name="overdue_max_range"),
        CheckConstraint(
            "escalate_after >= 1 AND escalate_after <= 365", name="escalate_after_range"
        ),
        CheckConstraint("digest_weekday >= 0 AND digest_weekday <= 6", name="weekday_range"),
    )

    enabled: Mapped[bool] = mapped_column(Boolean, default=DEFAULT.enabled)
    days_before: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT.days_before)
    overdue_every: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT.overdue_every)
    overdue_max: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT.overdue_max)
    escalate_after: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT.escalate_after)
    digest_weekday: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT.digest_weekday)

    def policy(self) -> Policy:
        return Policy(**{name: getattr(self, name) for name in POLICY_FIELDS})


class ReportingLine(TenantScoped, Timestamped, Base):
    """The member whose manager receives their escalations. Both are memberships of the
    same municipality (the foreign keys say so): removing either removes the line."""

    __tablename__ = "kpi_reporting_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["user_id", "tenant_id"],
            ["memberships.user_id", "memberships.tenant_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["manager_id", "tenant_id"],
            ["memberships.user_id", "memberships.tenant_id"],
            ondelete="CASCADE",
        ),
        Index("uq_kpi_reporting_lines_tenant_user", "tenant_id", "user_id", unique=True),
        Index("ix_kpi_reporting_lines_tenant_manager", "tenant_id", "manager_id"),
        CheckConstraint("user_id <> manager_id", name="not_own_manager"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column()
    manager_id: Mapped[uuid.UUID] = mapped_column()


class ReminderSent(TenantScoped, Base):
    """One reminder step sent to one person. Indicator steps are unique per indicator,
    year, period, step, repeat and recipient; digests per day and recipient."""

    __tablename__ = "kpi_reminders_sent"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["recipient_id"], ["users.id"], ondelete="CASCADE"),
        Index(
            "uq_kpi_reminders_sent_tenant_step",
            "tenant_id",
            "indicator_id",
            "financial_year",
            "period",
            "step",
            "repeat",
            "recipient_id",
            unique=True,
            postgresql_where=text("indicator_id IS NOT NULL"),
        ),
        Index(
            "uq_kpi_reminders_sent_tenant_digest",
            "tenant_id",
            "step",
            "scheduled_on",
            "recipient_id",
            unique=True,
            postgresql_where=text("indicator_id IS NULL"),
        ),
        CheckConstraint(
            "(indicator_id IS NULL) = (step = 'digest')", name="indicator_unless_digest"
        ),
        CheckConstraint(
            "indicator_id IS NULL OR (financial_year IS NOT NULL AND period IS NOT NULL)",
            name="period_of_indicator",
        ),
    )

    indicator_id: Mapped[uuid.UUID | None] = mapped_column()
    financial_year: Mapped[int | None] = mapped_column(SmallInteger)
    period: Mapped[int | None] = mapped_column(SmallInteger)
    step: Mapped[str] = mapped_column(String(20))
    repeat: Mapped[int] = mapped_column(SmallInteger, default=0)
    recipient_id: Mapped[uuid.UUID] = mapped_column()
    scheduled_on: Mapped[date] = mapped_column(Date)  # the step's own day (or the digest's)
    email_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
