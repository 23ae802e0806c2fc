"""Declaring jobs and requesting them through the outbox.

A job is a function ``fn(session, **ids)``. It is declared with :func:`job` under a name
``"domain.event"``; requesting it with :func:`enqueue` writes an outbox row on the
caller's session, so the request leaves only if the caller's transaction commits.
Jobs take ids (JSON scalars) only and re-read state, because delivery is at least once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import bound_tenant
from saypro.platform.ids import new_id
from saypro.platform.jobs.models import OutboxMessage

P = ParamSpec("P")
JobFunction = Callable[..., None]
NOTIFY_CHANNEL = "saypro_outbox"
_SCALARS = (str, int, float, bool, type(None))


class UnknownJob(LookupError):
    pass


@dataclass(frozen=True)
class JobSpec:
    name: str
    fn: JobFunction
    queue: str
    tenant_scoped: bool
    max_retries: int


_REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str, *, queue: str = "default", tenant_scoped: bool = True, max_retries: int = 10
) -> Callable[[JobFunction], JobFunction]:
    """Declare a job. Tenant-scoped jobs run on a session bound to the message's tenant."""

    def register(fn: JobFunction) -> JobFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"job {name!r} is declared twice")
        _REGISTRY[name] = JobSpec(name, fn, queue, tenant_scoped, max_retries)
        return fn

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_REGISTRY)


def get_job(name: str) -> JobSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownJob(f"no job named {name!r}") from None


def _job_tenant(session: Session | AsyncSession, tenant_id: uuid.UUID | None) -> uuid.UUID | None:
    bound = bound_tenant(session)
    if bound is not None and tenant_id is not None and tenant_id != bound:
        raise ValueError("a job may only be requested for the tenant the session is bound to")
    return tenant_id or bound


def _outbox_values(
    name: str, tenant_id: uuid.UUID | None, kwargs: dict[str, Any], dedupe_key: str | None
) -> dict[str, Any]:
    spec = get_job(name)
    if spec.tenant_scoped and tenant_id is None:
        raise ValueError(f"job {name!r} runs for a tenant: pass tenant_id or bind a tenant")
    for key, value in kwargs.items():
        if not isinstance(value, _SCALARS):
            raise TypeError(f"job argument {key!r} must be an id or scalar, not {type(value)!r}")
    return {
        "id": new_id(),
        "actor_name": name,
        "queue_name": spec.queue,
        "tenant_id": tenant_id if spec.tenant_scoped else None,
        "kwargs": kwargs,
        "dedupe_key": dedupe_key,
    }


def enqueue_sync(
    session: Session,
    name: str,
    *,
    tenant_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
    **kwargs: Any,
) -> bool:
    """Request a job in the caller's transaction (sync sessions: jobs, CLI, scheduler).

    Returns False when a job with the same ``dedupe_key`` was already requested.
    """
    values = _outbox_values(name, _job_tenant(session, tenant_id), kwargs, dedupe_key)
    statement = insert(OutboxMessage).values(**values).on_conflict_do_nothing()
    inserted = getattr(session.execute(statement), "rowcount", 1) == 1
    session.execute(text(f"select pg_notify('{NOTIFY_CHANNEL}', '')"))
    return inserted


async def enqueue(
    session: AsyncSession,
    name: str,
    *,
    tenant_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
    **kwargs: Any,
) -> None:
    """Request a job in the caller's transaction (the web's async sessions)."""
    values = _outbox_values(name, _job_tenant(session, tenant_id), kwargs, dedupe_key)
    await session.execute(insert(OutboxMessage).values(**values).on_conflict_do_nothing())
    await session.execute(text(f"select pg_notify('{NOTIFY_CHANNEL}', '')"))
