"""Where the scorecard's time goes: ``workspace_scorecard`` run in this process on a
session bound to the measured municipality, under cProfile (``run_scorecard.py
--profile`` prints the result on stderr)."""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import time
import uuid

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant
from saypro.tenants.kpis.scorecard import workspace_scorecard


async def _run(database: Database, tenant_id: uuid.UUID, repeats: int) -> list[float]:
    timings = []
    for _ in range(repeats):
        async with database.async_sessions() as session, session.begin():
            await bind_tenant(session, tenant_id)
            t0 = time.perf_counter()
            card = await workspace_scorecard(session)
            timings.append(time.perf_counter() - t0)
            card.model_dump_json()
    return timings


def profile(runtime_url: str, tenant_id: uuid.UUID, *, repeats: int = 30, top: int = 30) -> str:
    """The profile of ``repeats`` scorecards (after five unprofiled), the top functions by
    cumulative time, and the median wall time of one."""
    database = Database.connect(runtime_url, pool_size=1)
    try:
        asyncio.run(_run(database, tenant_id, 5))
        profiler = cProfile.Profile()
        profiler.enable()
        timings = asyncio.run(_run(database, tenant_id, repeats))
        profiler.disable()
        plain = sorted(asyncio.run(_run(database, tenant_id, repeats)))
    finally:
        database.sync_engine.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return (
        f"scorecard in process, median of {repeats}: {plain[len(plain) // 2] * 1000:.1f} ms "
        f"(under the profiler {sorted(timings)[len(timings) // 2] * 1000:.1f} ms)\n"
        + out.getvalue()
    )
