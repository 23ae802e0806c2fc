"""Tenant exports (tenant-owned) and the records of deleted tenants (platform-wide)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, TenantScoped, Timestamped
from saypro.platform.ids import new_id


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    # The retention period ended and the file was deleted.
    EXPIRED = "expired"


class DataExport(TenantScoped, Timestamped, Base):
    """One full export of a municipality's data: its progress, and its file while kept."""

    __tablename__ = "data_exports"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        Index("ix_data_exports_tenant_created", "tenant_id", "created_at"),
        Index("ix_data_exports_tenant_expires", "tenant_id", "expires_at"),
    )

    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_by_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[ExportStatus] = mapped_column(
        Enum(ExportStatus, name="export_status", values_callable=lambda e: [m.value for m in e]),
        default=ExportStatus.PENDING,
    )
    percent: Mapped[int] = mapped_column(Integer, default=0)
    # The table being written, shown on the page while the export runs.
    current_table: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The download is offered until then; the cleanup job deletes the file afterwards.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TenantDeletion(Base):
    """What is left of a deleted municipality: that it existed and when it was deleted.

    Platform-wide, because the tenant's own rows (its audit trail included) are deleted
    with it. Holds no personal data: the municipality's public identity and row counts.
    The id column is deliberately not called ``tenant_id``: this record is not the
    tenant's data and must survive the purge that deletes every ``tenant_id`` row.
    """

    __tablename__ = "tenant_deletions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    former_tenant_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    demarcation_code: Mapped[str] = mapped_column(String(10))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delete_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Rows deleted per table, and files deleted from the tenant's storage.
    rows_deleted: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    files_deleted: Mapped[int] = mapped_column(Integer, default=0)
