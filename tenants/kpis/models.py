"""Indicators (KPIs) of one municipality, their targets per financial year and period,
target revisions after approval, reported actuals, and the workspace's status scale.

Values are ``Numeric(20, 4)`` and Decimals in Python, never floats. A financial year is
stored as the calendar year it starts in (2026 = 2026/27); period 0 is the annual target,
periods 1… are those of the indicator's reporting frequency.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saypro.platform.db.base import Base, TenantScoped, Timestamped
from saypro.tenants.kpis.periods import Frequency
from saypro.tenants.kpis.scoring import Direction, Flag, TargetType

VALUE = Numeric(20, 4)
ANNUAL = 0  # the period number of the annual target


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members])


class ActualState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Unit(enum.StrEnum):
    NUMBER = "number"
    PERCENTAGE = "percentage"
    RAND = "rand"
    DAYS = "days"
    YES_NO = "yes_no"


class Calculation(enum.StrEnum):
    MANUAL = "manual"
    FORMULA = "formula"


class Indicator(TenantScoped, Timestamped, Base):
    __tablename__ = "kpi_indicators"
    __table_args__ = (
        Index("uq_kpi_indicators_tenant_code", "tenant_id", text("lower(code)"), unique=True),
        Index("ix_kpi_indicators_tenant_owner", "tenant_id", "owner_id"),
        Index("ix_kpi_indicators_tenant_reviewer", "tenant_id", "reviewer_id"),
        # The public dashboard reads only a municipality's public indicators.
        Index("ix_kpi_indicators_tenant_public", "tenant_id", postgresql_where=text("public")),
        Index("ix_kpi_indicators_tenant_department", "tenant_id", "department"),
        CheckConstraint("decimal_places >= 0 AND decimal_places <= 4", name="decimal_places_range"),
        CheckConstraint(
            "(calculation = 'formula') = (formula IS NOT NULL)", name="formula_when_calculated"
        ),
        CheckConstraint(
            "baseline_date IS NULL OR baseline_value IS NOT NULL", name="baseline_date_has_value"
        ),
    )

    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[Unit] = mapped_column(_enum(Unit, "kpi_unit"), default=Unit.NUMBER)
    decimal_places: Mapped[int] = mapped_column(SmallInteger, default=0)
    direction: Mapped[Direction] = mapped_column(
        _enum(Direction, "kpi_direction"), default=Direction.HIGHER_IS_BETTER
    )
    frequency: Mapped[Frequency] = mapped_column(
        _enum(Frequency, "kpi_frequency"), default=Frequency.QUARTERLY
    )
    target_type: Mapped[TargetType] = mapped_column(
        _enum(TargetType, "kpi_target_type"), default=TargetType.CUMULATIVE
    )
    calculation: Mapped[Calculation] = mapped_column(
        _enum(Calculation, "kpi_calculation"), default=Calculation.MANUAL
    )
    formula: Mapped[str | None] = mapped_column(Text)
    data_source: Mapped[str] = mapped_column(Text, default="")
    # The organisational unit that reports it (e.g. "ICT"): completion is shown per department.
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Band thresholds of this indicator that differ from the workspace's ({band: percent}).
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Shown on the municipality's public performance dashboard (approved actuals only).
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    objective_links: Mapped[list[ObjectiveLink]] = relationship(
        order_by="ObjectiveLink.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    initiative_links: Mapped[list[InitiativeLink]] = relationship(
        order_by="InitiativeLink.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ObjectiveLink(TenantScoped, Base):
    """An indicator measures a strategic objective, with its weight within that objective."""

    __tablename__ = "kpi_indicator_objectives"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "objective_id"],
            ["strategy_objectives.tenant_id", "strategy_objectives.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_kpi_indicator_objectives_tenant_pair",
            "tenant_id",
            "indicator_id",
            "objective_id",
            unique=True,
        ),
        Index("ix_kpi_indicator_objectives_tenant_objective", "tenant_id", "objective_id"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    indicator_id: Mapped[uuid.UUID] = mapped_column()
    objective_id: Mapped[uuid.UUID] = mapped_column()
    weight: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("1"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class InitiativeLink(TenantScoped, Base):
    """An indicator tracks the delivery of a strategic initiative."""

    __tablename__ = "kpi_indicator_initiatives"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "initiative_id"],
            ["strategy_initiatives.tenant_id", "strategy_initiatives.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_kpi_indicator_initiatives_tenant_pair",
            "tenant_id",
            "indicator_id",
            "initiative_id",
            unique=True,
        ),
        Index("ix_kpi_indicator_initiatives_tenant_initiative", "tenant_id", "initiative_id"),
    )

    indicator_id: Mapped[uuid.UUID] = mapped_column()
    initiative_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Target(TenantScoped, Timestamped, Base):
    """One target of an indicator: the annual one (period 0) or one period's."""

    __tablename__ = "kpi_targets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["approved_by"], ["users.id"], ondelete="SET NULL"),
        Index(
            "uq_kpi_targets_tenant_indicator_period",
            "tenant_id",
            "indicator_id",
            "financial_year",
            "period",
            unique=True,
        ),
        CheckConstraint("period >= 0 AND period <= 12", name="period_range"),
        CheckConstraint("financial_year >= 2000 AND financial_year <= 2100", name="year_range"),
    )

    indicator_id: Mapped[uuid.UUID] = mapped_column()
    financial_year: Mapped[int] = mapped_column(SmallInteger)
    period: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    upper_value: Mapped[Decimal | None] = mapped_column(VALUE)  # within-range indicators
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[uuid.UUID | None] = mapped_column()


class TargetRevision(TenantScoped, Base):
    """A change to a target after it was approved (SDBIP adjustments), kept for good."""

    __tablename__ = "kpi_target_revisions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "target_id"],
            ["kpi_targets.tenant_id", "kpi_targets.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["changed_by"], ["users.id"], ondelete="SET NULL"),
        Index("ix_kpi_target_revisions_tenant_target", "tenant_id", "target_id"),
    )

    target_id: Mapped[uuid.UUID] = mapped_column()
    previous_value: Mapped[Decimal | None] = mapped_column(VALUE)
    previous_upper_value: Mapped[Decimal | None] = mapped_column(VALUE)
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    upper_value: Mapped[Decimal | None] = mapped_column(VALUE)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class ActualValue(TenantScoped, Timestamped, Base):
    """What was reported for one period: a value, or a flag instead of (or with) one."""

    __tablename__ = "kpi_actuals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_kpi_actuals_tenant_indicator_period",
            "tenant_id",
            "indicator_id",
            "financial_year",
            "period",
            unique=True,
        ),
        CheckConstraint("period >= 1 AND period <= 12", name="period_range"),
        CheckConstraint("value IS NOT NULL OR flag IS NOT NULL", name="value_or_flag"),
        ForeignKeyConstraint(["reported_by"], ["users.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["submitted_by"], ["users.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["approved_by"], ["users.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["returned_by"], ["users.id"], ondelete="SET NULL"),
        Index("ix_kpi_actuals_tenant_state", "tenant_id", "state"),
    )

    indicator_id: Mapped[uuid.UUID] = mapped_column()
    financial_year: Mapped[int] = mapped_column(SmallInteger)
    period: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    flag: Mapped[Flag | None] = mapped_column(_enum(Flag, "kpi_actual_flag"))
    note: Mapped[str] = mapped_column(Text, default="")  # the reporter's comment
    # Review workflow (see workflow.py): draft → submitted → approved | returned.
    state: Mapped[ActualState] = mapped_column(
        _enum(ActualState, "kpi_actual_state"),
        default=ActualState.DRAFT,
        server_default=ActualState.DRAFT.value,
    )
    # Required at submission when the period's status is amber or red.
    deviation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    corrective_measure: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewer_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    reported_by: Mapped[uuid.UUID | None] = mapped_column()
    submitted_by: Mapped[uuid.UUID | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[uuid.UUID | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_by: Mapped[uuid.UUID | None] = mapped_column()
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Evidence(TenantScoped, Base):
    """A file that supports an actual. The bytes live under the municipality's
    attachments directory (``stored_path`` is relative to it); the row keeps what the
    download needs and the checksum that refuses the same file twice on one actual."""

    __tablename__ = "kpi_evidence"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "actual_id"],
            ["kpi_actuals.tenant_id", "kpi_actuals.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["uploaded_by"], ["users.id"], ondelete="SET NULL"),
        Index(
            "uq_kpi_evidence_tenant_actual_sha256", "tenant_id", "actual_id", "sha256", unique=True
        ),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    actual_id: Mapped[uuid.UUID] = mapped_column()
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class PeriodLock(TenantScoped, Timestamped, Base):
    """A quarter of a financial year closed for reporting (the s52 report that carries
    it was tabled): actuals of periods ending in it cannot change until it is unlocked.
    One row per quarter; its lock and unlock history is in the audit trail."""

    __tablename__ = "kpi_period_locks"
    __table_args__ = (
        ForeignKeyConstraint(["locked_by"], ["users.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["unlocked_by"], ["users.id"], ondelete="SET NULL"),
        Index(
            "uq_kpi_period_locks_tenant_quarter",
            "tenant_id",
            "financial_year",
            "quarter",
            unique=True,
        ),
        CheckConstraint("quarter >= 1 AND quarter <= 4", name="quarter_range"),
    )

    financial_year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    locked: Mapped[bool] = mapped_column(Boolean, default=True)
    locked_by: Mapped[uuid.UUID | None] = mapped_column()
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unlocked_by: Mapped[uuid.UUID | None] = mapped_column()
    unlocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unlock_reason: Mapped[str] = mapped_column(Text, default="")


class Settings(TenantScoped, Timestamped, Base):
    """The workspace's status scale: a preset and the thresholds changed from it."""

    __tablename__ = "kpi_settings"
    __table_args__ = (Index("uq_kpi_settings_tenant", "tenant_id", unique=True),)

    scale: Mapped[str] = mapped_column(String(30), default="binary_key")
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class PublicDashboard(TenantScoped, Timestamped, Base):
    """The municipality's public performance dashboard: whether it is on, its title and
    introduction, and the websites allowed to embed it (``https://www.example.gov.za``;
    none: only this platform's own pages may frame it)."""

    __tablename__ = "kpi_public_dashboards"
    __table_args__ = (Index("uq_kpi_public_dashboards_tenant", "tenant_id", unique=True),)

    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200), default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    allowed_origins: Mapped[list[str]] = mapped_column(JSONB, default=list)
