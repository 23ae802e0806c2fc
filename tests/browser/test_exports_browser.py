"""The full export in a real browser: a tenant admin requests it on the Data exports page,
watches htmx poll the progress while the worker builds it, and downloads the zip."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.platform.settings import get_settings
from tests.browser.conftest import SignIn
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.browser
JOB_TIMEOUT_MS = 20_000


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SAYPRO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.mark.usefixtures("worker")
def test_admin_requests_an_export_sees_it_finish_and_downloads_it(
    database: Database, signed_in_page: SignIn, data_dir: Path, tmp_path: Path
) -> None:
    tenant = make_tenant(database, seed=True, name="Cederberg Export Municipality")
    admin = make_user(database, (tenant, Role.TENANT_ADMIN), name="Lindiwe Admin")
    page = signed_in_page(admin)
    page.get_by_role("navigation", name="Workspace").get_by_role(
        "link", name="Data exports"
    ).click()
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/exports/$"))
    page.get_by_role("button", name="Request a full export").click()

    row = page.get_by_test_id("export-row").first
    expect(row).to_be_visible()
    # The row replaces itself every 1.5 s until the worker has finished.
    download = row.get_by_test_id("export-download")
    expect(download).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(row).to_have_attribute("data-status", "done")

    with page.expect_download() as info:
        download.click()
    saved = tmp_path / "export.zip"
    info.value.save_as(saved)
    assert info.value.suggested_filename.startswith(f"saypro-export-{tenant.slug}-")
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert "manifest.json" in names and "json/strategy_objectives.json" in names
