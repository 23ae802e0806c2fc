"""The objectives list query: captured from the repository, replayed with psycopg and pgbench.

The SQL is not retyped here: :func:`capture_repository_sql` runs
``ObjectiveRepository.list`` on a real session bound to a tenant and records the statements
SQLAlchemy sends (the ``set_config`` of the tenant binding, the count, the page), so the
benchmark measures exactly what the application runs.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant
from saypro.tenants.strategy.models import Objective
from saypro.tenants.strategy.repository import ObjectiveFilters, ObjectiveRepository


def psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class RepositorySql:
    """The three statements of one objectives list, with the tenant as a parameter."""

    bind_sql: str
    bind_params: dict[str, Any]
    count_sql: str
    list_sql: str
    params: dict[str, Any]
    tenant_keys: frozenset[str]  # parameters of count/list that carry the tenant id
    bind_key: str  # the parameter of set_config that carries it

    def bind_for(self, tenant: uuid.UUID) -> dict[str, Any]:
        return {**self.bind_params, self.bind_key: str(tenant)}

    def params_for(self, tenant: uuid.UUID) -> dict[str, Any]:
        return {k: (tenant if k in self.tenant_keys else v) for k, v in self.params.items()}


def capture_repository_sql(runtime_url: str, *, limit: int, offset: int = 0) -> RepositorySql:
    probe = uuid.uuid4()
    captured: list[tuple[str, dict[str, Any]]] = []

    async def run() -> None:
        db = Database.connect(runtime_url, pool_size=1)

        @event.listens_for(db.async_engine.sync_engine, "before_cursor_execute")
        def _record(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
            captured.append((statement, dict(parameters or {})))

        try:
            async with db.async_sessions() as session:
                await bind_tenant(session, probe)
                await ObjectiveRepository(session).list(
                    ObjectiveFilters(), limit=limit, offset=offset
                )
        finally:
            await db.dispose()

    asyncio.run(run())
    statements = [(s, p) for s, p in captured if not s.lstrip().lower().startswith("select pg_")]
    binds = [(s, p) for s, p in statements if "set_config" in s]
    counts = [(s, p) for s, p in statements if "count(" in s.lower() and "set_config" not in s]
    lists = [
        (s, p)
        for s, p in statements
        if "strategy_objectives" in s and "count(" not in s.lower() and "order by" in s.lower()
    ]
    if not (binds and len(counts) == 1 and len(lists) == 1):
        raise RuntimeError(f"unexpected statements from ObjectiveRepository.list: {captured!r}")
    bind_sql, bind_params = binds[0]
    bind_keys = [k for k, v in bind_params.items() if v == str(probe)]
    count_sql, count_params = counts[0]
    list_sql, list_params = lists[0]
    params = {**count_params, **list_params}
    for key in set(count_params) & set(list_params):
        if count_params[key] != list_params[key]:
            raise RuntimeError(f"parameter {key} differs between the count and the list")
    tenant_keys = frozenset(k for k, v in params.items() if v in (probe, str(probe)))
    if len(bind_keys) != 1 or not tenant_keys:
        raise RuntimeError("could not find the tenant parameter in the captured statements")
    return RepositorySql(
        bind_sql=bind_sql,
        bind_params=bind_params,
        count_sql=count_sql,
        list_sql=list_sql,
        params=params,
        tenant_keys=tenant_keys,
        bind_key=bind_keys[0],
    )


_COLUMNS = ", ".join(column.name for column in Objective.__table__.columns)
HAND_COUNT_SQL = "SELECT count(*) FROM strategy_objectives WHERE tenant_id = %(tenant)s"
HAND_LIST_SQL = (
    f"SELECT {_COLUMNS} FROM strategy_objectives WHERE tenant_id = %(tenant)s "
    "ORDER BY code, id LIMIT %(limit)s OFFSET %(offset)s"
)


@dataclass(frozen=True)
class Sample:
    query_s: float  # the count and the page, as ObjectiveRepository.list runs them
    transaction_s: float  # BEGIN … COMMIT, including the tenant binding when there is one
    total: int
    rows: int


def run_repository(conn: psycopg.Connection, sql: RepositorySql, tenant: uuid.UUID) -> Sample:
    """As the runtime role: bind the tenant in the transaction, then the repository's SQL."""
    params = sql.params_for(tenant)
    started = time.perf_counter()
    with conn.transaction():
        conn.execute(sql.bind_sql, sql.bind_for(tenant))
        t0 = time.perf_counter()
        row = conn.execute(sql.count_sql, params).fetchone()
        rows = conn.execute(sql.list_sql, params).fetchall()
        t1 = time.perf_counter()
    ended = time.perf_counter()
    return Sample(t1 - t0, ended - started, int(row[0]) if row else -1, len(rows))


def run_hand_written(
    conn: psycopg.Connection, tenant: uuid.UUID, *, limit: int, offset: int
) -> Sample:
    """As the owner role (RLS not applied): the same count and page, filtered by hand."""
    params = {"tenant": tenant, "limit": limit, "offset": offset}
    started = time.perf_counter()
    with conn.transaction():
        t0 = time.perf_counter()
        row = conn.execute(HAND_COUNT_SQL, params).fetchone()
        rows = conn.execute(HAND_LIST_SQL, params).fetchall()
        t1 = time.perf_counter()
    ended = time.perf_counter()
    return Sample(t1 - t0, ended - started, int(row[0]) if row else -1, len(rows))


def interleaved(
    runners: Sequence[Callable[[uuid.UUID], Sample]],
    tenants: Sequence[uuid.UUID],
    *,
    iterations: int,
    warmup: int,
    expect_total: int,
    expect_rows: int,
) -> list[list[Sample]]:
    """Run each runner ``iterations`` times, alternating their order every round so that
    drift on the machine (other processes, CPU frequency) hits all of them alike."""
    results: list[list[Sample]] = [[] for _ in runners]
    order = list(range(len(runners)))
    gc.collect()
    gc.disable()
    try:
        for i in range(warmup + iterations):
            tenant = tenants[i % len(tenants)]
            for index in order if i % 2 == 0 else reversed(order):
                sample = runners[index](tenant)
                if sample.total != expect_total or sample.rows != expect_rows:
                    raise RuntimeError(
                        f"runner {index} saw total={sample.total} rows={sample.rows} for tenant "
                        f"{tenant}, expected {expect_total}/{expect_rows}"
                    )
                if i >= warmup:
                    results[index].append(sample)
    finally:
        gc.enable()
    return results


def buffers_touched(conn: psycopg.Connection, sql: RepositorySql, tenant: uuid.UUID) -> int:
    """Shared buffers (hit or read) the count and the page touch, from EXPLAIN (ANALYZE, BUFFERS)."""
    total = 0
    with conn.transaction():
        conn.execute(sql.bind_sql, sql.bind_for(tenant))
        for statement in (sql.count_sql, sql.list_sql):
            row = conn.execute(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, sql.params_for(tenant)
            ).fetchone()
            assert row is not None
            plan = row[0][0]["Plan"]
            total += int(plan.get("Shared Hit Blocks", 0)) + int(plan.get("Shared Read Blocks", 0))
    return total


def block_ratios(
    numerator: Sequence[Sample], denominator: Sequence[Sample], blocks: int
) -> list[float]:
    """The ratio of medians in each of ``blocks`` consecutive slices of a paired run."""
    size = max(1, len(numerator) // blocks)
    ratios = []
    for start in range(0, size * blocks, size):
        top = [s.query_s for s in numerator[start : start + size]]
        bottom = [s.query_s for s in denominator[start : start + size]]
        if top and bottom:
            ratios.append(statistics.median(top) / statistics.median(bottom))
    return ratios


def explain(
    conn: psycopg.Connection,
    statement: str,
    params: dict[str, Any],
    bind: str | None = None,
    bind_params: dict[str, Any] | None = None,
) -> str:
    with conn.transaction():
        if bind is not None:
            conn.execute(bind, bind_params)
        rows = conn.execute("EXPLAIN " + statement, params).fetchall()
    return "\n".join(str(r[0]) for r in rows)


# --- CPU placement ----------------------------------------------------------------------

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def local_backend_pid(conn: psycopg.Connection) -> int | None:
    """The pid of the connection's server process, if it runs on this machine."""
    host = conn.info.host or ""
    if not (host.startswith("/") or host in LOCAL_HOSTS):
        return None
    pid = conn.info.backend_pid
    try:
        if b"postgres" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
    except OSError:
        return None
    return pid


def pin_to_one_cpu(conns: Sequence[psycopg.Connection]) -> int | None:
    """Pin this process and the connections' server processes to one CPU; the CPU, or None.

    A query's latency here is mostly two client/server round trips. On a small VM whether
    the server process wakes on the client's CPU or on another one changes that latency by
    up to a third, and the scheduler decides it per connection, so two connections running
    the same query disagree. With all of them on one CPU they agree within a few percent.
    """
    cpu = max(os.sched_getaffinity(0))
    pids = [local_backend_pid(conn) for conn in conns]
    if any(pid is None for pid in pids):
        return None
    original = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {cpu})
        for pid in pids:
            assert pid is not None
            os.sched_setaffinity(pid, {cpu})
    except OSError:
        os.sched_setaffinity(0, original)
        return None
    return cpu


# --- pgbench -----------------------------------------------------------------------------


def find_pgbench() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pgbench")),
        key=lambda p: int(re.sub(r"\D", "", Path(p).parts[-3]) or 0),
    )
    if candidates:
        return candidates[-1]
    raise RuntimeError(
        "pgbench not found on PATH or in /usr/lib/postgresql/*/bin "
        "(Debian: it ships in the postgresql-NN server package)"
    )


def _pgbench_sql(statement: str) -> str:
    # %(name)s -> :name (pgbench variables); one line per statement.
    text = re.sub(r"%\((\w+)\)s", r":\1", statement).replace("%%", "%")
    return " ".join(text.split()) + ";"


def pgbench_script(sql: RepositorySql) -> str:
    return "\n".join(
        [
            "BEGIN;",
            _pgbench_sql(sql.bind_sql),
            _pgbench_sql(sql.count_sql),
            _pgbench_sql(sql.list_sql),
            "COMMIT;",
            "",
        ]
    )


def pgbench_variables(sql: RepositorySql, tenant: uuid.UUID) -> dict[str, str]:
    variables: dict[str, str] = {}
    for key, value in [*sql.bind_for(tenant).items(), *sql.params_for(tenant).items()]:
        text = str(value)
        if variables.get(key, text) != text:
            raise RuntimeError(f"pgbench variable {key} has two values")
        variables[key] = text
    return variables


def pgbench_check_script(sql: RepositorySql, expect_total: int, expect_rows: int) -> str:
    """The same statements, failing (division by zero) unless they return the expected rows."""
    count = _pgbench_sql(sql.count_sql).rstrip(";")
    page = _pgbench_sql(sql.list_sql).rstrip(";")
    return "\n".join(
        [
            "BEGIN;",
            _pgbench_sql(sql.bind_sql),
            f"SELECT counted FROM ({count}) AS q(counted) \\gset",
            f"SELECT count(*) AS listed FROM ({page}) AS page \\gset",
            f"SELECT 1 / (CASE WHEN :counted = {expect_total} AND :listed = {expect_rows} "
            "THEN 1 ELSE 0 END);",
            "COMMIT;",
            "",
        ]
    )


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    latency_ms: float
    transactions: int
    output: str


def run_pgbench(
    runtime_url: str,
    sql: RepositorySql,
    tenant: uuid.UUID,
    *,
    clients: int,
    threads: int,
    seconds: int,
    workdir: Path,
    script_text: str | None = None,
    transactions: int | None = None,
) -> PgbenchResult:
    """``pgbench -n -M prepared -c clients -j threads -T seconds -f script`` as the runtime role
    (``-t transactions`` per client instead of ``-T`` when given)."""
    url = make_url(runtime_url)
    script = workdir / ("objectives_list.sql" if script_text is None else "check.sql")
    script.write_text(pgbench_script(sql) if script_text is None else script_text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    host = url.host or url.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    if host:
        env["PGHOST"] = str(host)
    if url.port:
        env["PGPORT"] = str(url.port)
    env["PGUSER"] = str(url.username)
    env["PGDATABASE"] = str(url.database)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    command = [
        find_pgbench(),
        "-n",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        str(threads),
        *(["-t", str(transactions)] if transactions else ["-T", str(seconds)]),
        "-f",
        str(script),
    ]
    for key, value in pgbench_variables(sql, tenant).items():
        command += ["-D", f"{key}={value}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{output}")
    tps = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", output, re.M)
    latency = re.search(r"^latency average = ([\d.]+) ms", output, re.M)
    processed = re.search(r"^number of transactions actually processed: (\d+)", output, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", output, re.M)
    if not (tps and latency and processed):
        raise RuntimeError(f"could not read pgbench output:\n{output}")
    if failed and int(failed.group(1)) != 0:
        raise RuntimeError(f"pgbench reported failed transactions:\n{output}")
    return PgbenchResult(
        float(tps.group(1)), float(latency.group(1)), int(processed.group(1)), output
    )
