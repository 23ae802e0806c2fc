"""Fixtures for the privacy tests: a private data directory per test, tenant admins,
and the job-running fixtures of the job tests (a real broker and dramatiq worker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.platform.privacy import tasks as _privacy_tasks  # noqa: F401 - registers the jobs
from saypro.platform.settings import get_settings
from tests.factories import TenantRef, UserRef, make_user
from tests.platform.jobs.conftest import (  # noqa: F401 - fixtures used by the tests here
    broker,
    namespace,
    redis_client,
    start_worker,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """SAYPRO_DATA_DIR for this test (web handlers and jobs read it through get_settings)."""
    root = tmp_path / "data"
    monkeypatch.setenv("SAYPRO_DATA_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


@pytest.fixture
def admin_a(database: Database, tenant_a: TenantRef) -> UserRef:
    return make_user(database, (tenant_a, Role.TENANT_ADMIN), name="Alpha Admin")


@pytest.fixture
def admin_b(database: Database, tenant_b: TenantRef) -> UserRef:
    return make_user(database, (tenant_b, Role.TENANT_ADMIN), name="Beta Admin")
