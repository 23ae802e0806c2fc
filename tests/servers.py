"""The PostgreSQL and Redis servers the tests use: the machine's when DATABASE_URL /
REDIS_URL are set, otherwise real embedded ones (the same mechanism as ``saypro demo``)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from saypro.platform.db import migrate
from saypro.platform.services import _start_embedded_postgres, _start_embedded_redis
from saypro.platform.settings import DatabaseUrls, Settings

TEST_SECRET_KEY = "test-secret-key-" + "x" * 32
DATA_DIR = Path(os.environ.get("SAYPRO_TEST_DATA_DIR", ".saypro-data/test"))


def admin_url() -> tuple[str, object | None]:
    """A superuser URL (external or embedded) and the embedded server handle, if any."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return make_url(external).set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False
        ), None
    url, server = _start_embedded_postgres(DATA_DIR)
    return url, server


def redis_url() -> tuple[str, object | None]:
    external = os.environ.get("REDIS_URL")
    if external:
        return external, None
    url, server = _start_embedded_redis(DATA_DIR)
    return url, server


def psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(admin: str, *, migrated: bool = True) -> Iterator[DatabaseUrls]:
    """A new database on the server, migrated to head by Alembic, dropped afterwards."""
    name = f"saypro_test_{secrets.token_hex(4)}"
    with psycopg.connect(psycopg_dsn(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    owner = make_url(admin).set(database=name).render_as_string(hide_password=False)
    settings = Settings(SECRET_KEY=TEST_SECRET_KEY)
    urls = DatabaseUrls.from_url(settings, owner)
    try:
        if migrated:
            migrate.upgrade(urls)
        yield urls
    finally:
        with psycopg.connect(psycopg_dsn(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
