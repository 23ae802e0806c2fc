"""Jobs of the platform itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.registry import job

SENT_RETENTION = timedelta(days=7)


@job("platform.purge_sent_outbox", tenant_scoped=False)
def purge_sent_outbox(session: Session) -> None:
    """Delete relayed outbox rows older than the retention period (idempotent)."""
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.sent_at.is_not(None),
            OutboxMessage.sent_at < datetime.now(UTC) - SENT_RETENTION,
        )
    )
