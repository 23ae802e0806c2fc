"""Performance benchmark of the workspace scorecard API.

    uv run python tests/bench/run_scorecard.py [--quick]

Prints one ``name=value`` figure per line on stdout and nothing else (progress goes to
stderr), like run.py. One municipality with 300 quarterly indicators and five financial
years of targets and actuals is measured in two databases: one holding 10 municipalities,
one holding 10 000 (each of the others with its own objectives, indicators, targets and
actuals). What the figures mean and the numbers measured: docs/performance.md.
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
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from saypro.platform.clock import today_sast  # noqa: E402
from saypro.tenants.kpis.periods import FinancialYear, quarter_end  # noqa: E402
from saypro.tenants.kpis.scorecard import latest_ended_quarter  # noqa: E402
from tests import servers  # noqa: E402
from tests.bench import data, http_load, queries, scorecard_data  # noqa: E402
from tests.bench.run import Figures, _api_tenant_and_member, progress  # noqa: E402
from tests.bench.scorecard_profile import profile as profile_scorecard  # noqa: E402
from tests.factories import PASSWORD, TenantRef  # noqa: E402

SMALL_TENANTS = 10  # the measured municipality and nine others
MEASURED = scorecard_data.Size(indicators=300, objectives=10, initiatives_per_objective=3)
YEARS = 5
CONCURRENCY = 16


@dataclass(frozen=True)
class Profile:
    large_tenants: int  # the measured municipality and this many minus one others
    other: scorecard_data.Size  # what each other municipality holds
    iterations: int  # sequential requests per database, interleaved, after warm-up
    warmup: int
    load_seconds: int


QUICK = Profile(
    large_tenants=1_000,
    other=scorecard_data.Size(indicators=10, objectives=3, initiatives_per_objective=1),
    iterations=60,
    warmup=10,
    load_seconds=5,
)
FULL = Profile(
    large_tenants=10_000,
    other=scorecard_data.Size(indicators=20, objectives=5, initiatives_per_objective=1),
    iterations=300,
    warmup=30,
    load_seconds=30,
)


def _check(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET answered {response.status_code}: {response.text[:500]}")
    body = response.json()
    if body["workspace"]["total"] != MEASURED.indicators:
        raise RuntimeError(f"unexpected scorecard: {body['workspace']}")


def _runtime_url(runtime: str, password: str | None) -> str:
    """The runtime role is cluster-wide: its password is the one the last migration set."""
    if not password:
        return runtime
    return make_url(runtime).set(password=password).render_as_string(hide_password=False)


def _load_database(
    owner: str,
    runtime: str,
    others: Sequence[data.BenchTenant],
    other: scorecard_data.Size,
    years: Sequence[int],
    reported: Sequence[tuple[int, int]],
) -> tuple[TenantRef, str]:
    """The measured municipality (registered as the application does, with a viewer) and
    ``others``, all with their data; returns the measured slug and the viewer's email."""
    owner_dsn = queries.psycopg_dsn(owner)
    data.load(owner_dsn, others, [])
    measured, email = _api_tenant_and_member(runtime)
    sizes = {t.id: other for t in others} | {measured.id: MEASURED}
    t0 = time.perf_counter()
    counts = scorecard_data.generate(owner_dsn, sizes, years, reported)
    scorecard_data.vacuum_analyze(owner_dsn)
    progress(
        f"  {len(sizes)} tenants in {time.perf_counter() - t0:.1f}s: "
        + ", ".join(f"{k}={v}" for k, v in counts.items())
    )
    return measured, email


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller and shorter (~1 minute)")
    parser.add_argument(
        "--profile", action="store_true", help="also profile the scorecard in process (stderr)"
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    figures = Figures()
    started = time.perf_counter()
    admin, pg_server = servers.admin_url()
    redis_url, redis_server = servers.redis_url()
    progress(f"profile: {'quick' if args.quick else 'full'} {profile}")
    figures.emit("machine_cpus", os.cpu_count() or 0)
    figures.emit("machine_loadavg_1m_at_start", round(os.getloadavg()[0], 2))

    today = today_sast()
    last_year, quarter = latest_ended_quarter(today)
    current = FinancialYear.containing(today).start_year
    years = list(range(current - YEARS + 1, current + 1))
    reported = [
        (y, p) for y in years for p in range(1, 5) if quarter_end(FinancialYear(y), p) <= today
    ]
    path_query = f"kpis/scorecard?financial_year={last_year.start_year}&quarter={quarter}"

    others = data.make_tenants(profile.large_tenants - 1)
    small_others = others[: SMALL_TENANTS - 1]
    with (
        tempfile.TemporaryDirectory(prefix="saypro-bench-") as tmp,
        servers.fresh_database(admin) as small,
        servers.fresh_database(admin) as large,
    ):
        workdir = Path(tmp)
        small_runtime = _runtime_url(small.runtime, large.runtime_password)
        progress(f"loading {SMALL_TENANTS} tenants")
        measured, small_email = _load_database(
            small.owner, small_runtime, small_others, profile.other, years, reported
        )
        progress(f"loading {profile.large_tenants} tenants")
        large_measured, large_email = _load_database(
            large.owner, large.runtime, others, profile.other, years, reported
        )
        path = f"/api/v1/t/{measured.slug}/{path_query}"
        if args.profile:
            progress(profile_scorecard(large.runtime, large_measured.id))
        (workdir / "small").mkdir()
        (workdir / "large").mkdir()
        with (
            http_load.app_server(small.owner, small_runtime, redis_url, workdir / "small") as s,
            http_load.app_server(large.owner, large.runtime, redis_url, workdir / "large") as g,
            httpx.Client(base_url=s.base_url, timeout=60) as small_client,
            httpx.Client(base_url=g.base_url, timeout=60) as large_client,
        ):
            small_client.headers["Cookie"] = http_load.login(s.base_url, small_email, PASSWORD)
            large_client.headers["Cookie"] = http_load.login(g.base_url, large_email, PASSWORD)
            progress(f"tenant scaling: GET {path}, {profile.iterations} per side, interleaved")
            samples: dict[str, list[float]] = {"small": [], "large": []}
            for n in range(profile.warmup + profile.iterations):
                # Alternate which side goes first, so neither always follows the other.
                order = [("small", small_client), ("large", large_client)]
                for name, client in order if n % 2 else order[::-1]:
                    t0 = time.perf_counter()
                    response = client.get(path)
                    elapsed = time.perf_counter() - t0
                    _check(response)
                    if n >= profile.warmup:
                        samples[name].append(elapsed)
            small_p50 = statistics.median(samples["small"]) * 1000
            large_p50 = statistics.median(samples["large"]) * 1000
            body = large_client.get(path).json()
            figures.emit("scorecard_small_tenants", SMALL_TENANTS)
            figures.emit("scorecard_large_tenants", profile.large_tenants)
            figures.emit("scorecard_indicators", body["workspace"]["total"])
            figures.emit("scorecard_years", YEARS)
            figures.emit("scorecard_samples", len(samples["large"]))
            figures.emit(f"scorecard_serial_p50_ms_{SMALL_TENANTS}_tenants", small_p50)
            figures.emit(f"scorecard_serial_p50_ms_{profile.large_tenants}_tenants", large_p50)
            figures.emit("scorecard_tenant_scaling_ratio", large_p50 / small_p50)

            progress(f"load: GET {path} for {profile.load_seconds}s at c={CONCURRENCY}")
            http_load.load(
                g.base_url,
                path,
                large_client.headers["Cookie"],
                concurrency=CONCURRENCY,
                seconds=min(3, profile.load_seconds),
                max_requests=1_000_000,
                check=_check,
            )
            server_cpu0, machine0 = g.cpu_seconds(), http_load.machine_cpu()
            result = http_load.load(
                g.base_url,
                path,
                large_client.headers["Cookie"],
                concurrency=CONCURRENCY,
                seconds=profile.load_seconds,
                max_requests=1_000_000,
                check=_check,
            )
            server_cpu = g.cpu_seconds() - server_cpu0
            busy = http_load.busy_pct(machine0, http_load.machine_cpu())
            figures.emit("scorecard_concurrency", CONCURRENCY)
            figures.emit("scorecard_requests", result.requests)
            figures.emit("scorecard_requests_per_s", result.per_second)
            figures.emit("scorecard_p50_ms", result.p50_ms)
            figures.emit("scorecard_p99_ms", result.p99_ms)
            figures.emit("scorecard_server_cpu_ms_per_request", 1000 * server_cpu / result.requests)
            figures.emit("scorecard_machine_cpu_busy_pct", busy)
        progress("dropping the bench databases")
    figures.emit("machine_loadavg_1m_at_end", round(os.getloadavg()[0], 2))
    figures.emit("bench_wall_s", time.perf_counter() - started)
    with contextlib.suppress(NameError):
        del pg_server, redis_server
    return 0


if __name__ == "__main__":
    sys.exit(main())
