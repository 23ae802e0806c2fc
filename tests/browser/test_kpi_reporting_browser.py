"""Reporting in a real browser: the owner reports two indicators in "My updates" (a red
result is refused until it has a reason and a measure), attaches evidence on the
indicator page, and the reviewer approves from another browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.settings import get_settings
from saypro.tenants.kpis.models import Indicator
from saypro.tenants.kpis.periods import FinancialYear
from tests.browser.conftest import SignIn
from tests.factories import make_tenant, make_user
from tests.tenants.kpis.conftest import make_indicator

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "data"
    monkeypatch.setenv("SAYPRO_DATA_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def test_owner_reports_in_my_updates_and_the_reviewer_approves(
    database: Database, signed_in_page: SignIn, tmp_path: Path
) -> None:
    tenant = make_tenant(database, name="Witzenberg Browser Municipality")
    owner = make_user(database, (tenant, Role.CONTRIBUTOR), name="Thandi Owner")
    reviewer = make_user(database, (tenant, Role.EDITOR), name="Pieter Reviewer")
    year = FinancialYear.containing(today_sast()).start_year - 1
    refs = [make_indicator(database, tenant, code, year=year) for code in ("ICT1", "ICT2")]
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        session.execute(
            update(Indicator)
            .where(Indicator.id.in_([r.indicator_id for r in refs]))
            .values(owner_id=owner.id, reviewer_id=reviewer.id)
        )
    first, second = (f"{r.indicator_id}.{year}.1" for r in refs)

    page = signed_in_page(owner)
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="My updates").click()
    expect(page.get_by_role("heading", name="My updates")).to_be_visible()
    page.locator(f'input[name="value.{first}"]').fill("100")
    page.locator(f'input[name="value.{second}"]').fill("40")
    page.get_by_role("button", name="Save and submit for review").click()
    error = page.locator(f'[id="deviation_reason.{second}-error"]')
    expect(error).to_contain_text("give the reason for the deviation")
    expect(page.locator(f'input[name="value.{second}"]')).to_have_value("40")
    page.locator(f'input[name="deviation_reason.{second}"]').fill("Load shedding")
    page.locator(f'input[name="corrective_measure.{second}"]').fill("Generators at all sites")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(f'input[name="value.{first}"]')).to_have_count(0)
    expect(page.locator(f'input[name="value.{second}"]')).to_have_count(0)

    # Evidence goes with a draft: report Q2 of ICT1 on its page and attach a file.
    page.goto(
        page.url.replace("/kpis/my-updates", f"/kpis/indicators/{refs[0].indicator_id}")
        + f"?year={year}"
    )
    form = page.locator("form", has=page.get_by_role("heading", name="Record an actual"))
    form.get_by_label("Period").select_option(index=1)
    form.get_by_label("Value").fill("100")
    form.get_by_role("button", name="Save actual").click()
    report = tmp_path / "q2-report.pdf"
    report.write_bytes(b"%PDF-1.4\n% quarterly report\n%%EOF\n")
    reports = page.get_by_test_id("reports")
    reports.locator('tr[data-period="2"] input[type="file"]').set_input_files(report)
    reports.locator('tr[data-period="2"]').get_by_role("button", name="Attach").click()
    expect(page.get_by_role("link", name="q2-report.pdf")).to_be_visible()

    review = signed_in_page(reviewer)
    review.goto(page.url.split("/kpis/")[0] + "/kpis/my-updates")
    waiting = review.get_by_test_id("to-review")
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    waiting.get_by_role("link", name=re.compile("^ICT2")).click()
    row = review.get_by_test_id("reports").locator('tr[data-period="1"]')
    expect(row).to_contain_text("Load shedding")
    row.get_by_role("button", name="Approve").click()
    expect(review.get_by_test_id("reports").locator('tr[data-period="1"]')).to_contain_text(
        "approved"
    )
