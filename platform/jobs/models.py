"""The transactional outbox.

A job requested during a request (or during another job) is a row written in the same
transaction as the business change: rolled back together, committed together. The
worker's relay moves committed rows to Redis; rows are never lost while Redis is down.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base
from saypro.platform.ids import new_id


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_pending", "id", postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    actor_name: Mapped[str] = mapped_column(String(200))
    queue_name: Mapped[str] = mapped_column(String(100), default="default")
    # The tenant the job runs for (None for platform jobs); the actor binds it.
    tenant_id: Mapped[uuid.UUID | None] = mapped_column()
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set for jobs that must be requested at most once (e.g. one per scheduler tick).
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
