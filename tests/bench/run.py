"""Performance benchmark of the tenant-isolated objectives list.

    uv run python tests/bench/run.py [--quick]

Prints one ``name=value`` figure per line on stdout and nothing else (progress goes to
stderr). Uses DATABASE_URL / REDIS_URL when set, else the embedded servers, exactly as the
tests do (tests/servers.py); makes its own fresh, migrated databases and drops them after.
What the figures mean and the numbers measured on the reference machine:
docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # run as a script: import the helpers as tests.bench.*, not top-level
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import TextIO  # noqa: E402

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests import servers  # noqa: E402
from tests.bench import data, http_load, queries  # noqa: E402
from tests.bench.queries import RepositorySql  # noqa: E402
from tests.factories import PASSWORD, TenantRef, make_user  # noqa: E402

SMALL_TENANTS = 10  # also the number of probe tenants whose list is measured
OBJECTIVES_PER_TENANT = 20
LIST_LIMIT = 50
API_OBJECTIVES = 50
CONCURRENCY = 32
PGBENCH_THREADS = 2
CONNECTIONS_PER_VARIANT = 2
RATIO_BLOCKS = 10  # the ratios are also computed on 10 consecutive slices, to show their spread


@dataclass(frozen=True)
class Profile:
    large_tenants: int
    iterations: int  # measured list queries per variant, after warm-up
    warmup: int
    api_seconds: int
    pgbench_seconds: int
    api_max_requests: int


QUICK = Profile(
    large_tenants=2_000,
    iterations=1_500,
    warmup=50,
    api_seconds=5,
    pgbench_seconds=5,
    api_max_requests=50_000,
)
FULL = Profile(
    large_tenants=10_000,
    iterations=10_000,
    warmup=200,
    api_seconds=60,
    pgbench_seconds=60,
    api_max_requests=2_000_000,
)


class Figures:
    """``name=value`` lines on the real stdout; everything else written to fd 1 goes to stderr."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._out: TextIO = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)  # libraries and child processes that print cannot pollute the figures

    def emit(self, name: str, value: float | int | str) -> None:
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        self._out.write(f"{name}={text}\n")
        self._out.flush()
        progress(f"  {name}={text}")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p50_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000


def spread(count: int, among: int) -> list[int]:
    """``count`` indices evenly spread over ``range(among)``, first and last included."""
    if count == 1:
        return [0]
    return sorted({round(k * (among - 1) / (count - 1)) for k in range(count)})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller and shorter (< 1 minute)")
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    figures = Figures()
    started = time.perf_counter()

    admin, pg_server = servers.admin_url()
    redis_url, redis_server = servers.redis_url()
    progress(f"profile: {'quick' if args.quick else 'full'} {profile}")
    figures.emit("machine_cpus", os.cpu_count() or 0)
    figures.emit("machine_loadavg_1m_at_start", round(os.getloadavg()[0], 2))
    with (
        tempfile.TemporaryDirectory(prefix="saypro-bench-") as tmp,
        servers.fresh_database(admin) as small,
        servers.fresh_database(admin) as large,
    ):
        workdir = Path(tmp)
        # The runtime role is cluster-wide: its password is the one the last migration set.
        runtime_password = large.runtime_password
        small_runtime = (
            make_url(small.runtime)
            .set(password=runtime_password)
            .render_as_string(hide_password=False)
            if runtime_password
            else small.runtime
        )
        large_runtime = large.runtime
        small_owner_dsn = queries.psycopg_dsn(small.owner)
        large_owner_dsn = queries.psycopg_dsn(large.owner)

        # --- data ------------------------------------------------------------------------
        t0 = time.perf_counter()
        rng = random.Random(20261125)
        tenants = data.make_tenants(profile.large_tenants)
        probes = [tenants[i] for i in spread(SMALL_TENANTS, len(tenants))]
        probe_ids = [p.id for p in probes]
        objectives = data.make_objectives(tenants, OBJECTIVES_PER_TENANT, rng)
        wanted = set(probe_ids)
        data.load(small_owner_dsn, probes, [row for row in objectives if row[0] in wanted])
        data.load(large_owner_dsn, tenants, objectives)
        api_tenant, api_user_email = _api_tenant_and_member(large_runtime)
        api_tenant_row = data.BenchTenant(
            api_tenant.id, api_tenant.slug, api_tenant.name, "", "", ""
        )
        data.load(large_owner_dsn, [], data.make_objectives([api_tenant_row], API_OBJECTIVES, rng))
        data.vacuum_analyze(small_owner_dsn)
        data.vacuum_analyze(large_owner_dsn)
        progress(
            f"loaded {len(probes)} and {len(tenants) + 1} tenants, "
            f"{OBJECTIVES_PER_TENANT} objectives each, in {time.perf_counter() - t0:.1f}s"
        )

        # --- the repository's SQL, and checks that the locks hold -------------------------
        sql = queries.capture_repository_sql(large_runtime, limit=LIST_LIMIT, offset=0)
        progress("repository SQL:\n  " + "\n  ".join([sql.bind_sql, sql.count_sql, sql.list_sql]))
        affinity = os.sched_getaffinity(0)
        with contextlib.ExitStack() as stack:
            # Two connections per variant, used in turn, so that no variant's figure hangs on
            # where one server process happens to run.
            def connect(dsn: str) -> list[psycopg.Connection]:
                return [
                    stack.enter_context(psycopg.connect(dsn, autocommit=True))
                    for _ in range(CONNECTIONS_PER_VARIANT)
                ]

            rt_smalls = connect(queries.psycopg_dsn(small_runtime))
            rt_larges = connect(queries.psycopg_dsn(large_runtime))
            owner_larges = connect(large_owner_dsn)
            rt_small, rt_large, owner_large = rt_smalls[0], rt_larges[0], owner_larges[0]
            _check_locks(rt_large, owner_large, sql, probe_ids[0])
            pinned = queries.pin_to_one_cpu([*rt_smalls, *rt_larges, *owner_larges])
            stack.callback(os.sched_setaffinity, 0, affinity)
            progress(
                f"client and its server processes pinned to CPU {pinned}"
                if pinned is not None
                else "server processes not on this machine: latency measured unpinned"
            )
            figures.emit("latency_cpu_pinned", int(pinned is not None))
            next_small, next_large, next_owner = (
                itertools.cycle(rt_smalls),
                itertools.cycle(rt_larges),
                itertools.cycle(owner_larges),
            )
            for label, conn, statement, params, bind in [
                (
                    f"{SMALL_TENANTS} tenants, runtime",
                    rt_small,
                    sql.list_sql,
                    sql.params_for(probe_ids[0]),
                    True,
                ),
                (
                    f"{len(tenants)} tenants, runtime",
                    rt_large,
                    sql.list_sql,
                    sql.params_for(probe_ids[0]),
                    True,
                ),
                (
                    f"{len(tenants)} tenants, owner, hand filter",
                    owner_large,
                    queries.HAND_LIST_SQL,
                    {"tenant": probe_ids[0], "limit": LIST_LIMIT, "offset": 0},
                    False,
                ),
            ]:
                plan = queries.explain(
                    conn,
                    statement,
                    params,
                    sql.bind_sql if bind else None,
                    sql.bind_for(probe_ids[0]) if bind else None,
                )
                progress(f"plan ({label}):\n  " + plan.replace("\n", "\n  "))

            # --- 1. tenant scaling ---------------------------------------------------------
            progress(f"tenant scaling: {profile.iterations} list queries per side, interleaved")
            small_samples, large_samples = queries.interleaved(
                [
                    lambda t: queries.run_repository(next(next_small), sql, t),
                    lambda t: queries.run_repository(next(next_large), sql, t),
                ],
                probe_ids,
                iterations=profile.iterations,
                warmup=profile.warmup,
                expect_total=OBJECTIVES_PER_TENANT,
                expect_rows=OBJECTIVES_PER_TENANT,
            )
            small_p50 = p50_ms([s.query_s for s in small_samples])
            large_p50 = p50_ms([s.query_s for s in large_samples])
            figures.emit("tenant_scaling_small_tenants", SMALL_TENANTS)
            figures.emit("tenant_scaling_large_tenants", len(tenants))
            figures.emit("objectives_per_tenant", OBJECTIVES_PER_TENANT)
            figures.emit("objectives_list_samples", len(large_samples))
            figures.emit(f"objectives_list_p50_ms_{SMALL_TENANTS}_tenants", small_p50)
            figures.emit(f"objectives_list_p50_ms_{len(tenants)}_tenants", large_p50)
            figures.emit("tenant_scaling_ratio", large_p50 / small_p50)
            spread_ = queries.block_ratios(large_samples, small_samples, RATIO_BLOCKS)
            figures.emit("tenant_scaling_ratio_block_min", min(spread_))
            figures.emit("tenant_scaling_ratio_block_max", max(spread_))
            figures.emit(
                f"objectives_list_buffers_{SMALL_TENANTS}_tenants",
                queries.buffers_touched(rt_small, sql, probe_ids[0]),
            )
            figures.emit(
                f"objectives_list_buffers_{len(tenants)}_tenants",
                queries.buffers_touched(rt_large, sql, probe_ids[0]),
            )

            # --- 2. row-level security overhead ---------------------------------------------
            progress(f"RLS overhead: {profile.iterations} list queries per side, interleaved")
            rls_samples, owner_samples = queries.interleaved(
                [
                    lambda t: queries.run_repository(next(next_large), sql, t),
                    lambda t: queries.run_hand_written(
                        next(next_owner), t, limit=LIST_LIMIT, offset=0
                    ),
                ],
                probe_ids,
                iterations=profile.iterations,
                warmup=profile.warmup,
                expect_total=OBJECTIVES_PER_TENANT,
                expect_rows=OBJECTIVES_PER_TENANT,
            )
            rls_p50 = p50_ms([s.query_s for s in rls_samples])
            owner_p50 = p50_ms([s.query_s for s in owner_samples])
            figures.emit("objectives_list_p50_ms_rls", rls_p50)
            figures.emit("objectives_list_p50_ms_owner_hand_filter", owner_p50)
            figures.emit("rls_overhead_ratio", rls_p50 / owner_p50)
            spread_ = queries.block_ratios(rls_samples, owner_samples, RATIO_BLOCKS)
            figures.emit("rls_overhead_ratio_block_min", min(spread_))
            figures.emit("rls_overhead_ratio_block_max", max(spread_))
            figures.emit(
                "objectives_txn_p50_ms_rls", p50_ms([s.transaction_s for s in rls_samples])
            )
            figures.emit(
                "objectives_txn_p50_ms_owner_hand_filter",
                p50_ms([s.transaction_s for s in owner_samples]),
            )

        # --- 3. API vs SQL throughput -------------------------------------------------------
        queries.run_pgbench(
            large_runtime,
            sql,
            api_tenant.id,
            clients=1,
            threads=1,
            seconds=0,
            workdir=workdir,
            script_text=queries.pgbench_check_script(
                sql, API_OBJECTIVES, min(API_OBJECTIVES, LIST_LIMIT)
            ),
            transactions=1,
        )
        progress("pgbench script checked: it returns the API tenant's objectives")
        path = f"/api/v1/t/{api_tenant.slug}/objectives?limit={LIST_LIMIT}"
        with http_load.app_server(large.owner, large_runtime, redis_url, workdir) as server:
            cookie = http_load.login(server.base_url, api_user_email, PASSWORD)
            progress(f"API: warm-up, then GET {path} for {profile.api_seconds}s at c={CONCURRENCY}")
            http_load.load(
                server.base_url,
                path,
                cookie,
                concurrency=CONCURRENCY,
                seconds=min(5, profile.api_seconds),
                max_requests=profile.api_max_requests,
                expect_total=API_OBJECTIVES,
                expect_items=min(API_OBJECTIVES, LIST_LIMIT),
            )
            server_cpu0, machine0 = server.cpu_seconds(), http_load.machine_cpu()
            result = http_load.load(
                server.base_url,
                path,
                cookie,
                concurrency=CONCURRENCY,
                seconds=profile.api_seconds,
                max_requests=profile.api_max_requests,
                expect_total=API_OBJECTIVES,
                expect_items=min(API_OBJECTIVES, LIST_LIMIT),
            )
            server_cpu = server.cpu_seconds() - server_cpu0
            api_busy = http_load.busy_pct(machine0, http_load.machine_cpu())
        progress(f"pgbench: the same statements for {profile.pgbench_seconds}s at c={CONCURRENCY}")
        machine0 = http_load.machine_cpu()
        bench = queries.run_pgbench(
            large_runtime,
            sql,
            api_tenant.id,
            clients=CONCURRENCY,
            threads=PGBENCH_THREADS,
            seconds=profile.pgbench_seconds,
            workdir=workdir,
        )
        pgbench_busy = http_load.busy_pct(machine0, http_load.machine_cpu())
        progress(bench.output.strip())
        figures.emit("api_concurrency", CONCURRENCY)
        figures.emit("api_requests", result.requests)
        figures.emit("api_seconds", result.seconds)
        figures.emit("api_requests_per_s", result.per_second)
        figures.emit("api_p50_ms", result.p50_ms)
        figures.emit("api_server_cpu_pct", 100 * server_cpu / result.seconds)
        figures.emit("api_server_cpu_ms_per_request", 1000 * server_cpu / result.requests)
        figures.emit("api_loadgen_cpu_pct", 100 * result.client_cpu_s / result.seconds)
        figures.emit("api_machine_cpu_busy_pct", api_busy)
        figures.emit("sql_pgbench_transactions", bench.transactions)
        figures.emit("sql_pgbench_tps", bench.tps)
        figures.emit("sql_pgbench_latency_avg_ms", bench.latency_ms)
        figures.emit("sql_pgbench_machine_cpu_busy_pct", pgbench_busy)
        figures.emit("api_vs_sql_ratio", result.per_second / bench.tps)
        progress("dropping the bench databases")
    figures.emit("bench_wall_s", time.perf_counter() - started)
    del pg_server, redis_server
    return 0


def _api_tenant_and_member(runtime_url: str) -> tuple[TenantRef, str]:
    """The API's tenant, registered as the application does, and a viewer who may read it."""
    from saypro.platform.db.engine import Database
    from saypro.platform.identity.permissions import Role
    from saypro.platform.tenancy import service as tenancy

    database = Database.connect(runtime_url, pool_size=1)
    try:
        with database.sync_sessions() as session, session.begin():
            tenant = tenancy.create_tenant(
                session,
                name="Bench API Local Municipality",
                slug="bench-api",
                demarcation_code="ZZZ",
                province="WC",
                category="B",
                seed=False,
            )
            ref = TenantRef(tenant.id, tenant.slug, tenant.name)
        user = make_user(database, (ref, Role.VIEWER), name="Bench Viewer")
    finally:
        database.sync_engine.dispose()
    return ref, user.email


def _check_locks(
    runtime: psycopg.Connection, owner: psycopg.Connection, sql: RepositorySql, tenant: uuid.UUID
) -> None:
    """The runtime role is subject to RLS; the owner is not (else the baseline is wrong)."""
    flags = runtime.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if flags is None or flags[0]:
        raise RuntimeError("the runtime role bypasses row-level security")
    with runtime.transaction():
        unbound = runtime.execute("SELECT count(*) FROM strategy_objectives").fetchone()
    with runtime.transaction():
        runtime.execute(sql.bind_sql, sql.bind_for(tenant))
        bound = runtime.execute("SELECT count(*) FROM strategy_objectives").fetchone()
    if not unbound or unbound[0] != 0 or not bound or bound[0] != OBJECTIVES_PER_TENANT:
        raise RuntimeError(f"RLS is not filtering: unbound={unbound} bound={bound}")
    owner_flags = owner.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not owner_flags or not owner_flags[0]:
        # A non-superuser table owner is subject to FORCE ROW LEVEL SECURITY; this
        # throwaway database drops FORCE so the owner baseline runs without RLS.
        owner.execute("ALTER TABLE strategy_objectives NO FORCE ROW LEVEL SECURITY")
        progress("owner role is not a superuser: FORCE RLS dropped in the bench database")
    progress("locks checked: runtime role sees 0 rows unbound and only the bound tenant's rows")


if __name__ == "__main__":
    sys.exit(main())
