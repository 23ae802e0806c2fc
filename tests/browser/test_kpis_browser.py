"""The KPI module in a real browser: create an indicator through its form, set a year's
targets, record an actual and see its status, period by period and at each quarter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from tests.browser.conftest import SignIn
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.browser
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_editor_defines_an_indicator_sets_targets_and_sees_the_status(
    database: Database, signed_in_page: SignIn
) -> None:
    tenant = make_tenant(database, name="Cederberg Browser Municipality")
    editor = make_user(database, (tenant, Role.EDITOR), name="Sipho Editor")
    page = signed_in_page(editor)

    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="KPIs").click()
    expect(page.get_by_role("heading", name="Key performance indicators")).to_be_visible()
    page.get_by_role("link", name="New indicator").click()
    form = page.locator("main form.form")
    form.get_by_role("textbox", name=re.compile("^Code")).fill("ICT3")
    form.get_by_role("textbox", name=re.compile("^Name")).fill("ICT strategy milestones achieved")
    form.get_by_label("Reporting frequency").select_option("quarterly")
    form.get_by_label("Period targets are").select_option("cumulative")
    form.get_by_label("Owner (reports)").select_option(label="Sipho Editor")
    form.get_by_role("button", name="Save indicator").click()
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/kpis/indicators/{UUID}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "ICT3 · ICT strategy milestones achieved"
    )

    # 2025/26 is a past year: every quarter has ended.
    page.get_by_role("link", name="2025/26").click()
    targets = page.locator("form", has=page.get_by_role("heading", name="Targets for 2025/26"))
    for label, value in [("Q1", "2"), ("Q2", "4"), ("Q3", "3"), ("Q4", "3")]:
        targets.get_by_label(re.compile(rf"^{label} 2025/26")).fill(value)
    targets.get_by_role("button", name="Save targets").click()
    expect(page.get_by_test_id("annual-target")).to_have_text("12")

    actual = page.locator("form", has=page.get_by_role("heading", name="Record an actual"))
    actual.get_by_label("Period").select_option(label="Q1 2025/26 (Jul–Sep 2025)")
    actual.get_by_label("Value").fill("1")
    actual.get_by_role("button", name="Save actual").click()
    actual = page.locator("form", has=page.get_by_role("heading", name="Record an actual"))
    actual.get_by_label("Period").select_option(label="Q2 2025/26 (Oct–Dec 2025)")
    actual.get_by_label("Value").fill("5")
    actual.get_by_role("button", name="Save actual").click()

    quarters = page.get_by_test_id("quarters")
    expect(quarters.locator("tbody tr").nth(0)).to_contain_text("D")
    # Q2 made up Q1's shortfall: 6 of 6 year to date.
    expect(quarters.locator("tbody tr").nth(1)).to_contain_text("6")
    expect(quarters.locator("tbody tr").nth(1).locator(".badge")).to_have_text("C")
    expect(quarters.locator("tbody tr").nth(2).locator(".badge")).to_have_text("NR")
    # The form shows the stored targets with the indicator's decimal places.
    expect(targets.get_by_label(re.compile(r"^Q2 2025/26"))).to_have_value("4")
