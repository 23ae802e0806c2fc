"""Reporting frameworks of one municipality, their hierarchical items, and which KPI
indicators feed which item.

One indicator is reported once and counted in every framework it is mapped to: SDG 9,
a Circular 88 code and a line of the top-layer SDBIP alike.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, TenantScoped, Timestamped


class FrameworkKind(enum.StrEnum):
    SDG = "sdg"
    BACK_TO_BASICS = "back_to_basics"
    CIRCULAR_88 = "circular_88"
    IDP = "idp"
    SDBIP_TOP_LAYER = "sdbip_top_layer"
    SDBIP_DEPARTMENTAL = "sdbip_departmental"
    DONOR_LOGFRAME = "donor_logframe"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def is_reference(self) -> bool:
        """A published reference list, seeded with the workspace (one per workspace)."""
        return self in REFERENCE_KINDS


KIND_LABELS = {
    FrameworkKind.SDG: "Sustainable Development Goals",
    FrameworkKind.BACK_TO_BASICS: "Back to Basics",
    FrameworkKind.CIRCULAR_88: "MFMA Circular 88",
    FrameworkKind.IDP: "IDP objectives",
    FrameworkKind.SDBIP_TOP_LAYER: "SDBIP top layer",
    FrameworkKind.SDBIP_DEPARTMENTAL: "SDBIP departmental",
    FrameworkKind.DONOR_LOGFRAME: "Donor logframe",
    FrameworkKind.CUSTOM: "Custom",
}
REFERENCE_KINDS = frozenset(
    {FrameworkKind.SDG, FrameworkKind.BACK_TO_BASICS, FrameworkKind.CIRCULAR_88}
)


class Framework(TenantScoped, Timestamped, Base):
    __tablename__ = "framework_frameworks"
    __table_args__ = (
        Index("uq_framework_frameworks_tenant_name", "tenant_id", text("lower(name)"), unique=True),
        Index("ix_framework_frameworks_tenant_kind", "tenant_id", "kind"),
    )

    kind: Mapped[FrameworkKind] = mapped_column(
        Enum(
            FrameworkKind,
            name="framework_kind",
            values_callable=lambda members: [m.value for m in members],
        )
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class FrameworkItem(TenantScoped, Timestamped, Base):
    """A goal, target, pillar, indicator code, objective or logframe row. ``parent_id``
    nests it under another item of the same framework."""

    __tablename__ = "framework_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "framework_id"],
            ["framework_frameworks.tenant_id", "framework_frameworks.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["framework_items.tenant_id", "framework_items.id"],
            ondelete="CASCADE",
        ),
        # Codes are unique within a framework regardless of case.
        Index(
            "uq_framework_items_tenant_framework_code",
            "tenant_id",
            "framework_id",
            text("lower(code)"),
            unique=True,
        ),
        Index("ix_framework_items_tenant_parent", "tenant_id", "parent_id"),
    )

    framework_id: Mapped[uuid.UUID] = mapped_column()
    parent_id: Mapped[uuid.UUID | None] = mapped_column()
    code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text, default="")


class Mapping(TenantScoped, Base):
    """An indicator feeds a framework item. The indicator table belongs to the KPI module;
    it is referred to by name so that this module depends only on the KPI service."""

    __tablename__ = "framework_mappings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "item_id"],
            ["framework_items.tenant_id", "framework_items.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_framework_mappings_tenant_item_indicator",
            "tenant_id",
            "item_id",
            "indicator_id",
            unique=True,
        ),
        Index("ix_framework_mappings_tenant_indicator", "tenant_id", "indicator_id"),
    )

    item_id: Mapped[uuid.UUID] = mapped_column()
    indicator_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
