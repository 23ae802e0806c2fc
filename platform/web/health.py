"""Liveness and readiness probes for the process manager and load balancer."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from saypro.platform.db.engine import Database
from saypro.platform.identity.guards import public


@get("/healthz", include_in_schema=False, **public())
async def healthz() -> dict[str, str]:
    """The process is alive and serving requests."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False, **public())
async def readyz(state: State) -> Response[dict[str, Any]]:
    """The database and Redis both answer; 503 otherwise, naming what failed."""
    checks: dict[str, str] = {}
    database: Database = state.database
    try:
        async with database.async_engine.connect() as connection:
            await connection.execute(text("select 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    client: aioredis.Redis = state.redis
    try:
        await client.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return Response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
