"""Fixtures for the job tests: a dramatiq broker per test on the real Redis, in its own
namespace, helpers that read queued messages straight from Redis, a real dramatiq
worker, and test-only jobs.

The outbox is one platform-wide table in the session's database, so other tests may
have left committed rows behind; every ``broker`` first drains those into a throwaway
namespace, so what a test then finds in its own namespace is what it caused."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import dramatiq
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync, bound_tenant

# Importing these registers the real jobs (the web app registers them via its modules).
from saypro.platform.jobs import platform_jobs as _platform_jobs  # noqa: F401
from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.registry import job
from saypro.platform.jobs.relay import relay_batch
from saypro.platform.jobs.runtime import declare_actors, make_broker
from saypro.tenants.strategy import tasks as _strategy_tasks  # noqa: F401
from saypro.tenants.strategy.models import Initiative, InitiativeStatus, Objective
from tests.factories import TenantRef

# --- test-only jobs ---------------------------------------------------------------

SEEN: list[dict[str, Any]] = []
"""What ``test.count_objectives`` saw, one entry per run."""


@job("test.count_objectives")
def count_objectives(session: Session, *, marker: str) -> None:
    """Records what a tenant-scoped job can see: the ORM, raw SQL (RLS) and the setting."""
    SEEN.append(
        {
            "marker": marker,
            "bound": bound_tenant(session),
            "setting": session.scalar(text("select current_setting('app.tenant_id', true)")),
            "orm": {(row.tenant_id, row.id) for row in session.scalars(select(Objective))},
            "raw": {
                (row.tenant_id, row.id)
                for row in session.execute(text("select tenant_id, id from strategy_objectives"))
            },
        }
    )


@job("test.tick")
def tick(session: Session) -> None:
    """A tenant-scoped periodic job for the scheduler tests (never run)."""


@job("test.platform_tick", tenant_scoped=False)
def platform_tick(session: Session) -> None:
    """A platform (non-tenant) periodic job for the scheduler tests (never run)."""


# --- Redis and brokers ------------------------------------------------------------


def unique_namespace() -> str:
    return f"saypro-test-{secrets.token_hex(6)}"


def delete_namespace(client: redis.Redis, namespace: str) -> None:
    keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
    if keys:
        client.delete(*keys)


def queued_messages(
    client: redis.Redis, namespace: str, queue: str = "default"
) -> list[dramatiq.Message[Any]]:
    """The messages waiting on ``queue``, read from Redis as dramatiq's Redis broker stores
    them (dramatiq/brokers/redis/dispatch.lua): the list ``{ns}:{queue}`` holds the Redis
    message ids in order, the hash ``{ns}:{queue}.msgs`` maps each id to the encoded message."""
    # One MULTI/EXEC snapshot: a relay may be enqueueing while the test reads.
    with client.pipeline(transaction=True) as pipe:
        pipe.lrange(f"{namespace}:{queue}", 0, -1)
        pipe.hgetall(f"{namespace}:{queue}.msgs")
        ids, stored_by_id = pipe.execute()
    assert len(stored_by_id) == len(ids), (
        f"{len(stored_by_id)} stored messages but {len(ids)} queued ids"
    )
    if not ids:
        return []
    payloads = [stored_by_id.get(message_id) for message_id in ids]
    messages = []
    for payload in payloads:
        assert isinstance(payload, bytes), f"queued id without a stored message: {payload!r}"
        messages.append(dramatiq.Message.decode(payload))
    return messages


def drain_outbox(database: Database, redis_url: str) -> None:
    """Relay every pending outbox row (left by other tests) into a throwaway namespace."""
    sink_namespace = unique_namespace()
    sink = make_broker(redis_url, namespace=sink_namespace)
    try:
        while relay_batch(database, sink, limit=500):
            pass
    finally:
        delete_namespace(sink.client, sink_namespace)
        sink.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def namespace() -> str:
    return unique_namespace()


@pytest.fixture
def broker(
    database: Database, redis_url: str, namespace: str, redis_client: redis.Redis
) -> Iterator[RedisBroker]:
    """A broker in this test's own namespace, with the outbox drained of older rows."""
    drain_outbox(database, redis_url)
    broker = make_broker(redis_url, namespace=namespace)
    yield broker
    broker.close()
    delete_namespace(redis_client, namespace)


@pytest.fixture
def start_worker(database: Database) -> Iterator[Callable[[RedisBroker], dramatiq.Worker]]:
    """Starts a real dramatiq worker (one thread) with every registered job as an actor."""
    started: list[dramatiq.Worker] = []

    def start(broker: RedisBroker) -> dramatiq.Worker:
        declare_actors(broker, database)
        worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop(timeout=5000)


# --- database helpers -------------------------------------------------------------


def outbox_rows(database: Database, *criteria: Any) -> list[OutboxMessage]:
    with database.sync_sessions() as session, session.begin():
        return list(
            session.scalars(select(OutboxMessage).where(*criteria).order_by(OutboxMessage.id))
        )


def outbox_rows_for_objective(
    database: Database, objective_id: uuid.UUID | str
) -> list[OutboxMessage]:
    return outbox_rows(database, OutboxMessage.kwargs["objective_id"].astext == str(objective_id))


@dataclass(frozen=True)
class ObjectiveState:
    progress: Decimal | None
    progress_updated_at: datetime | None
    progress_requested_at: datetime | None
    updated_at: datetime


def make_objective(
    database: Database,
    tenant: TenantRef,
    initiatives: list[tuple[str, str, InitiativeStatus]] = (),  # type: ignore[assignment]
) -> uuid.UUID:
    """An objective with initiatives given as (weight, percent_complete, status)."""
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        with session.begin():
            objective = Objective(
                code=f"SO{secrets.randbelow(10**6)}", title="Broadband for every ward"
            )
            session.add(objective)
            session.flush()
            for index, (weight, percent, status) in enumerate(initiatives):
                session.add(
                    Initiative(
                        objective_id=objective.id,
                        title=f"Initiative {index}",
                        weight=Decimal(weight),
                        percent_complete=Decimal(percent),
                        status=status,
                    )
                )
            return objective.id


def objective_state(
    database: Database, tenant: TenantRef, objective_id: uuid.UUID
) -> ObjectiveState | None:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        with session.begin():
            row = session.get(Objective, (tenant.id, objective_id))
            if row is None:
                return None
            return ObjectiveState(
                row.progress, row.progress_updated_at, row.progress_requested_at, row.updated_at
            )


def wait_for(
    predicate: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> Any:
    """Polls ``predicate`` until it returns something truthy, failing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or predicate!r}")
        time.sleep(interval)
