"""One import of a file: what it is, how far it got, and what was wrong with it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, TenantScoped, Timestamped


class ImportKind(enum.StrEnum):
    INDICATORS = "indicators"  # indicators with one financial year's targets
    ACTUALS = "actuals"


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # stored, waiting for its preview
    VALIDATING = "validating"
    INVALID = "invalid"  # the preview found errors; nothing can be written
    VALID = "valid"  # the preview found none; waiting for the commit
    COMMITTING = "committing"
    DONE = "done"
    FAILED = "failed"  # the commit broke off (nothing was written); it may be tried again


# Statuses during which the page keeps polling for progress.
RUNNING = frozenset({ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.COMMITTING})


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members])


class ImportRun(TenantScoped, Timestamped, Base):
    __tablename__ = "kpi_import_runs"
    __table_args__ = (
        ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        ForeignKeyConstraint(["committed_by"], ["users.id"], ondelete="SET NULL"),
        Index("ix_kpi_import_runs_tenant_created", "tenant_id", "created_at"),
        CheckConstraint("rows_done >= 0 AND rows_done <= rows_total", name="rows_done_range"),
    )

    kind: Mapped[ImportKind] = mapped_column(_enum(ImportKind, "kpi_import_kind"))
    status: Mapped[ImportStatus] = mapped_column(
        _enum(ImportStatus, "kpi_import_status"), default=ImportStatus.UPLOADED
    )
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))  # csv or xlsx
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Relative to the municipality's directory; removed once the run is done.
    stored_path: Mapped[str | None] = mapped_column(Text)
    # Imported actuals are submitted for review instead of staying drafts.
    submit: Mapped[bool] = mapped_column(Boolean, default=False)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first errors: [{"row": 3, "column": "value", "problem": "..."}] (see MAX_ERRORS).
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # What the commit wrote (or would write): {"created": n, "updated": n, ...}.
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    failure: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    committed_by: Mapped[uuid.UUID | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
