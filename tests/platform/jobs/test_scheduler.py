"""The scheduler: one leader among several processes (a Redis lock), hand-over when the
leader goes away, and each tick requested once through the outbox (dedupe keys)."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, select, update

from saypro.platform.db.engine import Database
from saypro.platform.jobs import scheduler as scheduler_module
from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.scheduler import PeriodicJob, Scheduler, request_tick
from saypro.platform.tenancy.models import Tenant, TenantStatus
from tests.factories import TenantRef, make_tenant
from tests.platform.jobs.conftest import outbox_rows, wait_for

LOCK_TTL = 1.5  # seconds; schedulers check the lock every LOCK_TTL / 3


@pytest.fixture
def leader_key(monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis) -> Iterator[str]:
    key = f"saypro-test-{secrets.token_hex(6)}:scheduler:leader"
    monkeypatch.setattr(scheduler_module, "LEADER_KEY", key)
    yield key
    redis_client.delete(key)


@pytest.fixture
def run_scheduler(
    database: Database, redis_url: str
) -> Iterator[Callable[..., tuple[Scheduler, threading.Event]]]:
    """Runs Scheduler.run in a thread, as ``saypro scheduler`` does; stops them all afterwards."""
    running: list[tuple[threading.Event, threading.Thread, redis.Redis]] = []

    def start(schedule: list[PeriodicJob] | None = None) -> tuple[Scheduler, threading.Event]:
        client = redis.Redis.from_url(redis_url)
        scheduler = Scheduler(database, client, schedule or [], lock_ttl=LOCK_TTL)
        stop = threading.Event()
        thread = threading.Thread(target=scheduler.run, args=(stop,), daemon=True)
        thread.start()
        running.append((stop, thread, client))
        return scheduler, stop

    yield start
    for stop, _thread, _client in running:
        stop.set()
    for _stop, thread, client in running:
        thread.join(timeout=5)
        client.close()


def tick_rows(database: Database, job_name: str, stamp: str) -> list[OutboxMessage]:
    return outbox_rows(
        database, OutboxMessage.actor_name == job_name, OutboxMessage.dedupe_key.like(f"%:{stamp}")
    )


def open_tenant_ids(database: Database) -> set[uuid.UUID]:
    with database.sync_sessions() as session, session.begin():
        return set(session.scalars(select(Tenant.id).where(Tenant.status != TenantStatus.CLOSED)))


def unique_fire_time() -> datetime:
    """A fire time (whole minute, UTC) that no other test uses."""
    return datetime(2031, 1, 1, tzinfo=UTC) + timedelta(minutes=secrets.randbelow(10**6))


# --- leadership -----------------------------------------------------------------------


def test_exactly_one_of_two_schedulers_leads_and_the_other_takes_over(
    leader_key: str,
    redis_client: redis.Redis,
    run_scheduler: Callable[..., tuple[Scheduler, threading.Event]],
) -> None:
    first, stop_first = run_scheduler()
    second, stop_second = run_scheduler()

    wait_for(
        lambda: first.is_leader.is_set() or second.is_leader.is_set(), timeout=5, what="a leader"
    )
    leader, standby, stop_leader = (
        (first, second, stop_first) if first.is_leader.is_set() else (second, first, stop_second)
    )

    # Across more than one lock TTL (so the leader must renew), never two leaders, never none.
    deadline = time.monotonic() + LOCK_TTL * 1.5
    while time.monotonic() < deadline:
        assert leader.is_leader.is_set() and not standby.is_leader.is_set()
        time.sleep(0.05)
    assert redis_client.exists(leader_key)

    stop_leader.set()
    wait_for(standby.is_leader.is_set, timeout=5, what="the standby to take over")
    assert redis_client.exists(leader_key)


def test_standby_takes_over_when_a_crashed_leader_lock_expires(
    leader_key: str,
    redis_client: redis.Redis,
    run_scheduler: Callable[..., tuple[Scheduler, threading.Event]],
) -> None:
    # A leader that died without releasing: its lock is never renewed and expires.
    crashed = redis_client.lock(leader_key, timeout=1.0, blocking=False)
    assert crashed.acquire()
    standby, _ = run_scheduler()

    time.sleep(0.5)
    assert not standby.is_leader.is_set(), "took the lead while another leader held the lock"
    wait_for(
        standby.is_leader.is_set, timeout=5, what="the standby to take over after the lock expired"
    )


def test_only_the_leader_requests_ticks(
    database: Database,
    leader_key: str,
    tenant_a: TenantRef,
    run_scheduler: Callable[..., tuple[Scheduler, threading.Event]],
) -> None:
    periodic = PeriodicJob(job_name="test.tick", cron="0 0 1 1 *")
    first, _ = run_scheduler([periodic])
    second, _ = run_scheduler([periodic])
    wait_for(
        lambda: first.is_leader.is_set() or second.is_leader.is_set(), timeout=5, what="a leader"
    )
    leader, standby = (first, second) if first.is_leader.is_set() else (second, first)

    def mine() -> list[OutboxMessage]:
        return outbox_rows(
            database,
            OutboxMessage.actor_name == "test.tick",
            OutboxMessage.tenant_id == tenant_a.id,
        )

    standby._fire(periodic)
    assert mine() == []
    leader._fire(periodic)
    assert len(mine()) == 1


# --- one request per tick -----------------------------------------------------------


def test_the_same_tick_requested_twice_writes_one_row_per_tenant(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    periodic = PeriodicJob(job_name="test.tick", cron="15 3 * * *")
    fired_at = unique_fire_time()
    stamp = fired_at.strftime("%Y%m%dT%H%M")

    request_tick(database, periodic, fired_at)
    request_tick(database, periodic, fired_at)

    rows = tick_rows(database, "test.tick", stamp)
    per_tenant = {
        tenant_id: sum(1 for r in rows if r.tenant_id == tenant_id)
        for tenant_id in {r.tenant_id for r in rows}
    }
    assert set(per_tenant) == open_tenant_ids(database)
    assert {tenant_a.id, tenant_b.id} <= set(per_tenant)
    assert set(per_tenant.values()) == {1}


def test_a_tick_is_not_requested_for_closed_tenants(database: Database, db_urls: Any) -> None:
    closed = make_tenant(database)
    owner = create_engine(db_urls.owner)
    try:
        with owner.begin() as conn:
            conn.execute(
                update(Tenant).where(Tenant.id == closed.id).values(status=TenantStatus.CLOSED)
            )
    finally:
        owner.dispose()
    fired_at = unique_fire_time()

    request_tick(database, PeriodicJob(job_name="test.tick", cron="15 3 * * *"), fired_at)

    rows = tick_rows(database, "test.tick", fired_at.strftime("%Y%m%dT%H%M"))
    assert rows and closed.id not in {r.tenant_id for r in rows}


def test_a_platform_tick_requested_twice_writes_one_row(database: Database) -> None:
    periodic = PeriodicJob(job_name="test.platform_tick", cron="15 3 * * *")
    fired_at = unique_fire_time()

    request_tick(database, periodic, fired_at)
    request_tick(database, periodic, fired_at)

    [row] = tick_rows(database, "test.platform_tick", fired_at.strftime("%Y%m%dT%H%M"))
    assert row.tenant_id is None and row.kwargs == {}


def test_the_same_instant_in_another_timezone_is_the_same_tick(
    database: Database, tenant_a: TenantRef
) -> None:
    """Two scheduler processes whose local time zones differ fire the same tick: the
    dedupe key must name the instant, not the local wall-clock reading of it."""
    periodic = PeriodicJob(job_name="test.tick", cron="15 3 * * *")
    fired_utc = unique_fire_time()
    fired_local = fired_utc.astimezone(timezone(timedelta(hours=2), "SAST"))  # same instant
    assert fired_local == fired_utc

    request_tick(database, periodic, fired_utc)
    request_tick(database, periodic, fired_local)

    rows = outbox_rows(
        database, OutboxMessage.actor_name == "test.tick", OutboxMessage.tenant_id == tenant_a.id
    )
    assert len(rows) == 1, (
        "Regression (platform/jobs/scheduler.py request_tick): the dedupe key is "
        "fired_at.strftime(...) in fired_at's own time zone, so one instant gives two keys "
        f"{sorted(str(r.dedupe_key) for r in rows)!r} and the tick is requested twice; "
        "normalise to UTC first: fired_at.astimezone(UTC).strftime('%Y%m%dT%H%M')"
    )


def test_a_tick_fired_late_after_a_hand_over_is_still_requested_once(
    database: Database,
    tenant_a: TenantRef,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Leader A fires the 03:15 tick at 03:15:05 and then loses the lock; B takes over
    and its APScheduler, resumed, runs the missed 03:15 tick late (misfire_grace_time=300,
    coalesce) at 03:16:20. The module promises that two leaders during a hand-over
    request a tick once, so the dedupe key must be the scheduled fire time, not the
    wall clock at which the job happened to run."""
    periodic = PeriodicJob(job_name="test.tick", cron="15 3 * * *")
    day = unique_fire_time().replace(hour=0, minute=0)
    clock = {"now": day.replace(hour=3, minute=15, second=5)}

    class Clock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            value = clock["now"]
            # Like datetime.now(): aware in ``tz`` if given, else naive local time.
            return value.astimezone(tz) if tz else value.astimezone().replace(tzinfo=None)

    monkeypatch.setattr(scheduler_module, "datetime", Clock)
    scheduler = Scheduler(database, redis_client, [periodic], lock_ttl=LOCK_TTL)
    scheduler.is_leader.set()

    scheduler._fire(periodic)  # leader A, on time
    clock["now"] = day.replace(hour=3, minute=16, second=20)
    scheduler._fire(periodic)  # leader B, the same tick caught up late

    rows = outbox_rows(
        database, OutboxMessage.actor_name == "test.tick", OutboxMessage.tenant_id == tenant_a.id
    )
    assert len(rows) == 1, (
        "Regression (platform/jobs/scheduler.py Scheduler._fire): the tick is stamped with "
        "datetime.now() when the job runs, not with its scheduled fire time, so a tick run "
        "late after a hand-over gets a new dedupe key and is requested twice: "
        f"{sorted(str(r.dedupe_key) for r in rows)!r}"
    )
