"""Benchmark of importing actuals from CSV against PostgreSQL COPY of the same rows.

    uv run python tests/bench/imports.py [--quick]

Prints ``name=value`` figures on stdout (progress on stderr). ``import_vs_copy_ratio`` is
rows/s of the product's import of a CSV file (read, parse, check every row against the
workspace, write in one transaction: runs.preview is skipped, runs.commit does all of it)
÷ rows/s of a plain ``COPY kpi_actuals FROM STDIN`` of the same rows by the owner role.
Both write into an empty ``kpi_actuals`` of a fresh, migrated database. Goal ≥ 0.3;
docs/performance.md records the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from decimal import Decimal  # noqa: E402

import psycopg  # noqa: E402

from saypro.platform.db.engine import Database  # noqa: E402
from saypro.platform.db.tenancy import bind_tenant_sync  # noqa: E402
from saypro.platform.ids import new_id  # noqa: E402
from saypro.platform.settings import get_settings  # noqa: E402
from saypro.tenants.kpis.evidence import Upload  # noqa: E402
from saypro.tenants.kpis.imports import files, runs  # noqa: E402
from saypro.tenants.kpis.imports.models import ImportKind, ImportRun, ImportStatus  # noqa: E402
from saypro.tenants.kpis.models import Indicator  # noqa: E402
from saypro.tenants.kpis.periods import Frequency  # noqa: E402
from tests import servers  # noqa: E402
from tests.bench.queries import psycopg_dsn  # noqa: E402
from tests.factories import make_tenant  # noqa: E402

FULL_ROWS, QUICK_ROWS = 100_000, 10_000
YEARS = range(2000, 2100)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(name: str, value: object) -> None:
    print(f"{name}={value}", flush=True)


def _rows(count: int, indicators: list[tuple[uuid.UUID, str]]) -> list[tuple[str, int, int, str]]:
    """``count`` distinct (code, year, month, value) rows over monthly indicators."""
    rows = []
    for n in range(count):
        code = indicators[n % len(indicators)][1]
        slot = n // len(indicators)
        rows.append((code, YEARS[slot // 12], slot % 12 + 1, f"{(n * 7) % 1000}.{n % 100:02d}"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows")
    args = parser.parse_args(argv)
    count = QUICK_ROWS if args.quick else FULL_ROWS
    admin, _pg = servers.admin_url()
    emit("machine_cpus", os.cpu_count() or 0)
    with tempfile.TemporaryDirectory() as tmp, servers.fresh_database(admin) as urls:
        os.environ["SAYPRO_DATA_DIR"] = tmp
        get_settings.cache_clear()
        database = Database.connect(urls.runtime, pool_size=2)
        tenant = make_tenant(database, name="Bench Import")
        indicator_count = max(1, count // (len(YEARS) * 12) + 1) * 2
        indicators = []
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant.id)
            for i in range(indicator_count):
                row = Indicator(
                    code=f"B{i}", name=f"Bench {i}", frequency=Frequency.MONTHLY, decimal_places=2
                )
                session.add(row)
                session.flush()
                indicators.append((row.id, row.code))
        rows = _rows(count, indicators)
        csv_body = "code,financial_year,period,value\n" + "".join(
            f"{c},{y},{p},{v}\n" for c, y, p, v in rows
        )
        content = csv_body.encode()
        progress(f"{count:,} rows, {len(content) / 1e6:.1f} MB of CSV")

        checked = files.check_upload(Upload("bench.csv", "text/csv", content))
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant.id)
            run = runs.new_run(checked, ImportKind.ACTUALS, None, submit=False)
            run.status = ImportStatus.COMMITTING
            session.add(run)
            session.flush()
            files.store(tenant.id, run.stored_path or "", content)
            run_id = run.id
        t0 = time.perf_counter()
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant.id)
            runs.commit(session, run_id)
        import_seconds = time.perf_counter() - t0
        with database.sync_sessions() as session:
            bind_tenant_sync(session, tenant.id)
            stored = session.get(ImportRun, (tenant.id, run_id))
            assert stored is not None and stored.status is ImportStatus.DONE, (
                stored and stored.errors[:3]
            )

        # The same rows by COPY, into the same (emptied) table, as the owner.
        ids = {code: i for i, code in indicators}
        with psycopg.connect(psycopg_dsn(urls.owner)) as conn:
            conn.execute("DELETE FROM kpi_actuals")
            conn.commit()
            t0 = time.perf_counter()
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY kpi_actuals (tenant_id, id, indicator_id, financial_year, period, value, note)"
                    " FROM STDIN"
                ) as copy,
            ):
                for code, year, period, value in rows:
                    copy.write_row(
                        (tenant.id, new_id(), ids[code], year, period, Decimal(value), "")
                    )
            conn.commit()
            copy_seconds = time.perf_counter() - t0
        database_dispose(database)
    import_rate, copy_rate = count / import_seconds, count / copy_seconds
    emit("import_rows", count)
    emit("import_rows_per_s", round(import_rate))
    emit("copy_rows_per_s", round(copy_rate))
    emit("import_vs_copy_ratio", round(import_rate / copy_rate, 3))
    return 0


def database_dispose(database: Database) -> None:
    import asyncio

    asyncio.run(database.dispose())


if __name__ == "__main__":
    raise SystemExit(main())
