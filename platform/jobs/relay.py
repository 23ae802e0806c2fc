"""The outbox relay: moves committed outbox rows to Redis.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several relays can run side by side.
A row is marked sent only after Redis accepted it; if Redis is down the row stays
pending and is sent when it returns. A crash between the two steps sends a message
twice, which at-least-once actors tolerate (the message id is the outbox row's id).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import dramatiq
import psycopg
import structlog
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.registry import NOTIFY_CHANNEL

log = structlog.get_logger(__name__)


def to_message(row: OutboxMessage) -> dramatiq.Message[object]:
    kwargs = dict(row.kwargs)
    kwargs["tenant_id"] = str(row.tenant_id) if row.tenant_id else None
    return dramatiq.Message(
        queue_name=row.queue_name,
        actor_name=row.actor_name,
        args=(),
        kwargs=kwargs,
        options={},
        message_id=str(row.id),
    )


def relay_batch(database: Database, broker: dramatiq.Broker, *, limit: int = 100) -> int:
    """Send up to ``limit`` pending rows; return how many were sent."""
    sent = 0
    with database.sync_sessions() as session, session.begin():
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            try:
                broker.enqueue(to_message(row))
            except Exception as exc:
                # Redis unreachable: keep this and the remaining rows pending.
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                log.warning("outbox.relay_failed", outbox_id=str(row.id), error=row.last_error)
                break
            row.sent_at = datetime.now(UTC)
            sent += 1
    return sent


def _listen(database: Database) -> psycopg.Connection[tuple[object, ...]]:
    """A dedicated autocommit connection LISTENing for outbox commits.

    Never borrowed from the engine's pool: a pooled connection left in autocommit and
    LISTEN mode would break the transactions (and the tenant binding) of its next user.
    """
    url = database.sync_engine.url.set(drivername="postgresql")
    connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
    return connection


def run_relay(
    database: Database, broker: dramatiq.Broker, stop: threading.Event, *, idle_wait: float = 1.0
) -> None:
    """Relay until ``stop`` is set; wakes on NOTIFY from committing transactions.

    Any failure (Redis, the database, the LISTEN connection) is logged and retried after
    ``idle_wait``; the loop itself only ends when ``stop`` is set.
    """
    listener: psycopg.Connection[tuple[object, ...]] | None = None
    try:
        while not stop.is_set():
            try:
                while relay_batch(database, broker) and not stop.is_set():
                    pass
                if listener is None or listener.closed:
                    listener = _listen(database)
                # Sleep until a transaction that wrote to the outbox commits, or time out.
                for _ in listener.notifies(timeout=idle_wait, stop_after=1):
                    pass
            except Exception:
                log.exception("outbox.relay_error")
                if listener is not None:
                    listener.close()
                    listener = None
                stop.wait(idle_wait)
    finally:
        if listener is not None:
            listener.close()
