"""Strategic objectives and initiatives of one municipality's ICT strategy."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saypro.platform.db.base import Base, TenantScoped, Timestamped


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members])


class ObjectiveStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InitiativeStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Phase(enum.StrEnum):
    """The phases of the programme's implementation framework."""

    ASSESSMENT = "assessment"
    STRATEGY_DEVELOPMENT = "strategy_development"
    IMPLEMENTATION = "implementation"
    MONITORING_OPTIMISATION = "monitoring_optimisation"

    @property
    def label(self) -> str:
        return {
            "assessment": "Phase One: Assessment",
            "strategy_development": "Phase Two: Strategy Development",
            "implementation": "Phase Three: Implementation",
            "monitoring_optimisation": "Phase Four: Monitoring and Optimisation",
        }[self.value]


class Objective(TenantScoped, Timestamped, Base):
    __tablename__ = "strategy_objectives"
    __table_args__ = (
        # Codes are unique per municipality regardless of case ("SO1" and "so1" clash).
        Index("uq_strategy_objectives_tenant_code", "tenant_id", text("lower(code)"), unique=True),
        Index("ix_strategy_objectives_tenant_status", "tenant_id", "status"),
        Index("ix_strategy_objectives_tenant_owner", "tenant_id", "owner_id"),
        CheckConstraint(
            "target_date IS NULL OR start_date IS NULL OR target_date >= start_date",
            name="dates_in_order",
        ),
        CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 100)", name="progress_range"
        ),
    )

    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ObjectiveStatus] = mapped_column(
        _enum(ObjectiveStatus, "objective_status"), default=ObjectiveStatus.NOT_STARTED
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    target_date: Mapped[date | None] = mapped_column(Date)
    # Weighted roll-up of the initiatives, maintained by the strategy.recompute job.
    progress: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    progress_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When an initiative last changed; the roll-up is stale while this is newer.
    progress_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def progress_pending(self) -> bool:
        requested, computed = self.progress_requested_at, self.progress_updated_at
        return requested is not None and (computed is None or requested > computed)

    initiatives: Mapped[list[Initiative]] = relationship(
        back_populates="objective",
        order_by="Initiative.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Initiative(TenantScoped, Timestamped, Base):
    __tablename__ = "strategy_initiatives"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "objective_id"],
            ["strategy_objectives.tenant_id", "strategy_objectives.id"],
            ondelete="CASCADE",
        ),
        Index("ix_strategy_initiatives_tenant_objective", "tenant_id", "objective_id"),
        Index("ix_strategy_initiatives_tenant_owner", "tenant_id", "owner_id"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent_range"),
    )

    objective_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "programme_phase"), default=Phase.ASSESSMENT)
    status: Mapped[InitiativeStatus] = mapped_column(
        _enum(InitiativeStatus, "initiative_status"), default=InitiativeStatus.NOT_STARTED
    )
    weight: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("1"))
    percent_complete: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))

    objective: Mapped[Objective] = relationship(back_populates="initiatives")
