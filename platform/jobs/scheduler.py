"""The scheduler: requests periodic jobs, with exactly one scheduler active at a time.

Every scheduler process competes for a Redis lock; the holder renews it and fires the
schedule, the others wait as hot standbys. Each tick is requested through the outbox
with a dedupe key (job, tenant, fire time), so even two leaders during a lock hand-over
request a tick once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.jobs.registry import enqueue_sync, get_job
from saypro.platform.tenancy.models import Tenant, TenantStatus

log = structlog.get_logger(__name__)
LEADER_KEY = "saypro:scheduler:leader"
MISFIRE_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class PeriodicJob:
    """Request ``job_name`` on a cron schedule (UTC); once per active tenant if tenant-scoped."""

    job_name: str
    cron: str

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone="UTC")

    def scheduled_time(self, now: datetime, grace: timedelta = MISFIRE_GRACE) -> datetime:
        """The scheduled fire time a run at ``now`` belongs to (the latest one not after
        ``now`` within the grace period), so a tick run late is still the same tick."""
        trigger = self.trigger()
        latest: datetime | None = None
        fire = trigger.get_next_fire_time(None, now - grace)
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        return latest or now


def request_tick(database: Database, periodic: PeriodicJob, fired_at: datetime) -> int:
    """Write the outbox rows for one tick; returns how many were new (not already requested)."""
    spec = get_job(periodic.job_name)
    # The key names the instant (UTC), whatever the caller's time zone.
    stamp = fired_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
    with database.sync_sessions() as session, session.begin():
        if not spec.tenant_scoped:
            return int(enqueue_sync(session, spec.name, dedupe_key=f"{spec.name}:-:{stamp}"))
        tenant_ids = session.scalars(
            select(Tenant.id).where(Tenant.status != TenantStatus.CLOSED).order_by(Tenant.id)
        ).all()
        return sum(
            enqueue_sync(
                session,
                spec.name,
                tenant_id=tenant_id,
                dedupe_key=f"{spec.name}:{tenant_id}:{stamp}",
            )
            for tenant_id in tenant_ids
        )


class Scheduler:
    def __init__(
        self,
        database: Database,
        redis_client: redis.Redis,
        schedule: Iterable[PeriodicJob],
        *,
        lock_ttl: float = 30.0,
    ) -> None:
        self.database = database
        self.schedule = list(schedule)
        self.lock = redis_client.lock(LEADER_KEY, timeout=lock_ttl, blocking=False)
        self.lock_ttl = lock_ttl
        self.is_leader = threading.Event()

    def _fire(self, periodic: PeriodicJob) -> None:
        if not self.is_leader.is_set():
            return
        fired_at = periodic.scheduled_time(datetime.now(UTC))
        count = request_tick(self.database, periodic, fired_at)
        log.info("scheduler.tick", job=periodic.job_name, requested=count)

    def run(self, stop: threading.Event) -> None:
        aps = BackgroundScheduler(timezone="UTC")
        for periodic in self.schedule:
            aps.add_job(
                self._fire,
                periodic.trigger(),
                args=[periodic],
                id=periodic.job_name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
            )
        aps.start(paused=True)
        try:
            while not stop.is_set():
                self._keep_leadership(aps)
                stop.wait(self.lock_ttl / 3)
        finally:
            aps.shutdown(wait=False)
            if self.is_leader.is_set():
                with contextlib.suppress(redis.RedisError):  # the lock may have expired
                    self.lock.release()

    def _keep_leadership(self, aps: BackgroundScheduler) -> None:
        try:
            if self.is_leader.is_set():
                self.lock.reacquire()
            elif self.lock.acquire(blocking=False):
                self.is_leader.set()
                aps.resume()
                log.info("scheduler.leader_acquired")
        except (redis.RedisError, Exception) as exc:  # lost the lock or Redis
            if self.is_leader.is_set():
                self.is_leader.clear()
                aps.pause()
                log.warning("scheduler.leader_lost", error=str(exc))
