"""Performance management end to end in a real browser: a tenant admin defines an
indicator with quarterly targets, the contributor who owns it reports an actual with
evidence, the admin approves it as reviewer, and the result shows on the scorecard and
the public dashboard and in the SDBIP quarterly report that downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.platform.settings import get_settings
from saypro.tenants.kpis.periods import FinancialYear
from tests.browser.conftest import NewPage, SignIn
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.browser
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "data"
    monkeypatch.setenv("SAYPRO_DATA_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def _define_indicator(page: Page, year: FinancialYear) -> str:
    """The admin creates ICT7 (quarterly, cumulative), owned by the contributor and
    reviewed by the admin, with 2 + 3 + 3 + 2 = 10 for ``year``; returns its page URL."""
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="KPIs").click()
    page.get_by_role("link", name="New indicator").click()
    form = page.locator("main form.form")
    form.get_by_role("textbox", name=re.compile("^Code")).fill("ICT7")
    form.get_by_role("textbox", name=re.compile("^Name")).fill("Ward offices with public Wi-Fi")
    form.get_by_role("textbox", name=re.compile("^Department")).fill("ICT")
    form.get_by_label("Reporting frequency").select_option("quarterly")
    form.get_by_label("Period targets are").select_option("cumulative")
    form.get_by_label("Owner (reports)").select_option(label="Lindiwe Contributor")
    form.get_by_label("Reviewer (approves)").select_option(label="Anele Admin")
    form.get_by_role("button", name="Save indicator").click()
    expect(page).to_have_url(re.compile(rf"/kpis/indicators/{UUID}$"))
    indicator_url = page.url

    page.get_by_role("link", name=year.label).click()
    targets = page.locator(
        "form", has=page.get_by_role("heading", name=f"Targets for {year.label}")
    )
    for label, value in [("Q1", "2"), ("Q2", "3"), ("Q3", "3"), ("Q4", "2")]:
        targets.get_by_label(re.compile(rf"^{label} {re.escape(year.label)}")).fill(value)
    targets.get_by_role("button", name="Save targets").click()
    expect(page.get_by_test_id("annual-target")).to_have_text("10")
    # Approved targets are the adopted SDBIP's: what the public dashboard shows.
    page.get_by_role("button", name=f"Approve the {year.label} targets").click()
    expect(page.get_by_role("button", name=f"Approve the {year.label} targets")).to_have_count(0)
    return indicator_url


def test_indicator_to_approved_actual_to_scorecard_public_dashboard_and_report(
    database: Database, signed_in_page: SignIn, new_page: NewPage, tmp_path: Path
) -> None:
    tenant = make_tenant(database, name="Drakenstein Browser Municipality")
    admin = make_user(database, (tenant, Role.TENANT_ADMIN), name="Anele Admin")
    owner = make_user(database, (tenant, Role.CONTRIBUTOR), name="Lindiwe Contributor")
    # Last financial year: every quarter of it has ended.
    year = FinancialYear(FinancialYear.containing(today_sast()).start_year - 1)

    admin_page = signed_in_page(admin)
    indicator_url = _define_indicator(admin_page, year)

    # The contributor reports Q1 (3 against 2: above target) with evidence and submits.
    contributor = signed_in_page(owner)
    contributor.goto(indicator_url + f"?year={year.start_year}")
    actual = contributor.locator(
        "form", has=contributor.get_by_role("heading", name="Record an actual")
    )
    actual.get_by_label("Period").select_option(index=0)
    actual.get_by_label("Value").fill("3")
    actual.get_by_role("button", name="Save actual").click()
    evidence = tmp_path / "q1-wifi-rollout.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% ward Wi-Fi close-out report\n%%EOF\n")
    row = contributor.get_by_test_id("reports").locator('tr[data-period="1"]')
    row.locator('input[type="file"]').set_input_files(evidence)
    row.get_by_role("button", name="Attach").click()
    expect(contributor.get_by_role("link", name="q1-wifi-rollout.pdf")).to_be_visible()
    row = contributor.get_by_test_id("reports").locator('tr[data-period="1"]')
    row.get_by_role("button", name="Submit for review").click()
    expect(contributor.get_by_test_id("reports").locator('tr[data-period="1"]')).to_contain_text(
        "submitted"
    )

    # The admin, as reviewer, approves it.
    admin_page.goto(indicator_url + f"?year={year.start_year}")
    admin_page.get_by_test_id("reports").locator('tr[data-period="1"]').get_by_role(
        "button", name="Approve"
    ).click()
    expect(admin_page.get_by_test_id("reports").locator('tr[data-period="1"]')).to_contain_text(
        "approved"
    )

    # The scorecard at Q1 shows it meeting its target (C on the default binary key).
    base = indicator_url.split("/kpis/")[0]
    admin_page.goto(f"{base}/kpis/scorecard?financial_year={year.start_year}&quarter=1")
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text("Q1")
    unlinked = admin_page.get_by_test_id("unlinked")
    unlinked.locator("summary").click()
    ict7 = unlinked.locator('tr[data-indicator="ICT7"]')
    expect(ict7.locator(".badge")).to_have_text("C")
    expect(ict7).to_contain_text("Meets or exceeds target")
    expect(admin_page.get_by_test_id("workspace-score")).to_contain_text("100")
    # Drill down: from the scorecard to the period's actual and its evidence.
    ict7.get_by_role("link", name="latest period").click()
    expect(admin_page).to_have_url(re.compile(r"#period-1$"))
    admin_page.get_by_role("link", name="Review and evidence").first.click()
    expect(admin_page.get_by_role("link", name="q1-wifi-rollout.pdf")).to_be_visible()

    # The admin publishes the indicator; an anonymous visitor sees it on the dashboard.
    admin_page.goto(f"{base}/kpis/public")
    settings = admin_page.locator("main form.form")
    settings.get_by_label("Publish the dashboard").check()
    settings.get_by_label("ICT7").check()
    settings.get_by_role("button", name="Save").click()
    expect(admin_page.get_by_test_id("public-links")).to_be_visible()
    visitor = new_page()
    visitor.goto(f"/public/{tenant.slug}/performance")
    table = visitor.get_by_test_id("public-indicators")
    expect(table).to_contain_text("Ward offices with public Wi-Fi")
    expect(table.locator(".badge").first).to_have_text("C")
    expect(visitor.get_by_test_id("trend-ICT7")).to_have_attribute("data-drawn", "true")

    # The SDBIP quarterly report for Q1 downloads as XLSX with the approved actual.
    admin_page.goto(f"{base}/kpis/reports")
    report = admin_page.get_by_test_id("sdbip-form")
    report.get_by_label(re.compile("^Financial year")).fill(str(year.start_year))
    report.get_by_label("Quarter").select_option("1")
    with admin_page.expect_download() as download_info:
        report.get_by_role("button", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    line = next(r for r in rows if "ICT7" in r)
    assert "Ward offices with public Wi-Fi" in line
    assert 3 in line and 10 in line  # the Q1 actual and the annual target
    assert "C" in line
    assert any("q1-wifi-rollout.pdf" in str(cell) for cell in line)
