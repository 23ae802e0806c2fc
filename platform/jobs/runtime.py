"""Running jobs: the dramatiq broker, actors bound to the registry, and tenant binding.

Actors are created on an explicit broker when a worker starts (never on an implicit
global one at import time), so tests and processes choose their Redis.
"""

from __future__ import annotations

import uuid
from typing import Any

import dramatiq
import structlog
from dramatiq.brokers.redis import RedisBroker

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.jobs.registry import JobSpec, registered_jobs

log = structlog.get_logger(__name__)
NAMESPACE = "saypro"


def make_broker(redis_url: str, *, namespace: str = NAMESPACE) -> RedisBroker:
    broker = RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
    for queue in {spec.queue for spec in registered_jobs().values()} | {"default"}:
        broker.declare_queue(queue)
    return broker


def run_job(
    database: Database, spec: JobSpec, tenant_id: str | None, kwargs: dict[str, Any]
) -> None:
    """Run one job in one transaction on a session bound to the message's tenant."""
    tenant = uuid.UUID(tenant_id) if tenant_id else None
    if spec.tenant_scoped and tenant is None:
        raise ValueError(f"job {spec.name!r} arrived without a tenant_id")
    with structlog.contextvars.bound_contextvars(job=spec.name, tenant_id=tenant_id):
        with database.sync_sessions() as session:
            bind_tenant_sync(session, tenant)
            with session.begin():
                spec.fn(session, **kwargs)
        log.info("job.done")


def declare_actors(
    broker: dramatiq.Broker, database: Database
) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Create one dramatiq actor per registered job on ``broker``."""
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
    for spec in registered_jobs().values():

        def perform(tenant_id: str | None = None, _spec: JobSpec = spec, **kwargs: Any) -> None:
            run_job(database, _spec, tenant_id, kwargs)

        actors[spec.name] = dramatiq.Actor(
            perform,
            broker=broker,
            actor_name=spec.name,
            queue_name=spec.queue,
            priority=0,
            options={"max_retries": spec.max_retries},
        )
    return actors
