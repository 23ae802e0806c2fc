"""Process wiring shared by the CLI commands: servers, database, broker, worker threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
import redis

from saypro.platform.db.engine import Database
from saypro.platform.email import tasks as _email_tasks  # noqa: F401 - registers jobs
from saypro.platform.jobs import context as job_context
from saypro.platform.jobs import platform_jobs as _platform_jobs  # noqa: F401 - registers jobs
from saypro.platform.jobs.relay import run_relay
from saypro.platform.jobs.runtime import NAMESPACE, declare_actors, make_broker
from saypro.platform.jobs.scheduler import PeriodicJob, Scheduler
from saypro.platform.modules import load_modules
from saypro.platform.privacy import tasks as privacy_tasks
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.signup import tasks as signup_tasks  # importing registers its job

PLATFORM_SCHEDULE = [
    PeriodicJob(job_name="platform.purge_sent_outbox", cron="15 3 * * *"),
    PeriodicJob(job_name=privacy_tasks.CLEANUP_JOB, cron="5 * * * *"),
    PeriodicJob(job_name=privacy_tasks.PURGE_JOB, cron="30 2 * * *"),
    PeriodicJob(job_name=signup_tasks.DISCARD_ABANDONED_JOB, cron="45 3 * * *"),
]


def full_schedule() -> list[PeriodicJob]:
    return [*PLATFORM_SCHEDULE, *[p for m in load_modules() for p in m.periodic_jobs]]


@dataclass
class Background:
    """Threads started in this process; ``stop()`` ends them."""

    stoppers: list[Callable[[], None]]

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            stop()


def start_worker(
    services: Services,
    *,
    settings: Settings | None = None,
    threads: int = 4,
    namespace: str = NAMESPACE,
) -> tuple[Background, Database]:
    """Start dramatiq worker threads and the outbox relay in this process.

    ``settings`` are what the jobs run with (mail server, data directory); by default the
    environment's. ``namespace`` prefixes the Redis keys, so separate deployments (or test
    sessions) sharing one Redis never take each other's messages.
    """
    load_modules()  # registers every module's jobs
    if settings is not None:
        job_context.configure(settings)
    database = Database.connect(services.database.runtime, pool_size=threads)
    broker = make_broker(services.redis_url, namespace=namespace)
    dramatiq.set_broker(broker)
    declare_actors(broker, database)
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    stop_relay = threading.Event()
    relay = threading.Thread(
        target=run_relay, args=(database, broker, stop_relay), name="outbox-relay", daemon=True
    )
    relay.start()

    def stop() -> None:
        stop_relay.set()
        relay.join(timeout=5)
        worker.stop()
        broker.close()
        database.sync_engine.dispose()

    return Background([stop]), database


def start_scheduler(services: Services) -> Background:
    load_modules()
    database = Database.connect(services.database.runtime, pool_size=1)
    scheduler = Scheduler(database, redis.Redis.from_url(services.redis_url), full_schedule())
    stop_event = threading.Event()
    thread = threading.Thread(
        target=scheduler.run, args=(stop_event,), name="scheduler", daemon=True
    )
    thread.start()

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=5)
        database.sync_engine.dispose()

    return Background([stop])
