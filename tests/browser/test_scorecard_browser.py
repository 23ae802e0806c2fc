"""The scorecard in a real browser: from the workspace score down through an objective to
the indicator's quarter, the trend chart drawn on a canvas with its table view, and the
period's actual with its evidence."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.tenants.kpis.models import ANNUAL, ActualValue, Indicator, ObjectiveLink, Target
from tests.browser.conftest import SignIn
from tests.factories import TenantRef, make_tenant, make_user
from tests.tenants.strategy.conftest import make_objective

pytestmark = pytest.mark.browser


def _reported(database: Database, tenant: TenantRef) -> None:
    """SO1 measured by ICT9 (targets 10 a quarter in 2024/25 and 2025/26, all reported)."""
    objective = make_objective(database, tenant)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        indicator = Indicator(code="ICT9", name="Sites connected to fibre")
        indicator.objective_links = [ObjectiveLink(objective_id=objective.objective_id)]
        session.add(indicator)
        session.flush()
        for year in (2024, 2025):
            for period in (ANNUAL, 1, 2, 3, 4):
                session.add(
                    Target(
                        indicator_id=indicator.id,
                        financial_year=year,
                        period=period,
                        value=Decimal(40 if period == ANNUAL else 10),
                    )
                )
                if period:
                    session.add(
                        ActualValue(
                            indicator_id=indicator.id,
                            financial_year=year,
                            period=period,
                            value=Decimal(8 + period),
                            note=f"Q{period} count",
                        )
                    )


def test_scorecard_drill_down_and_trend_chart(database: Database, signed_in_page: SignIn) -> None:
    tenant = make_tenant(database, name="Matzikama Scorecard Municipality")
    viewer = make_user(database, (tenant, Role.VIEWER), name="Thandi Viewer")
    _reported(database, tenant)
    page = signed_in_page(viewer)

    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Scorecard").click()
    page.locator('select[name="financial_year"]').select_option("2025")
    page.locator('select[name="quarter"]').select_option("4")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scorecard: 2025/26, Q4")
    # 9 + 10 + 11 + 12 = 42 of 40: C, in words as well as colour.
    expect(page.get_by_test_id("workspace-score")).to_contain_text("C Meets or exceeds target")
    objective = page.get_by_test_id("objective").first
    link = objective.get_by_role("link", name="ICT9 · Sites connected to fibre")
    expect(link).to_be_hidden()  # folded until the objective is opened
    objective.locator("summary").first.click()
    link.click()
    expect(page).to_have_url(re.compile(r"\?year=2025#quarter-4$"))
    expect(page.locator("#quarter-4")).to_contain_text("42")

    figure = page.get_by_test_id("trend-chart")
    expect(figure).to_have_attribute("data-drawn", "true")
    canvas = figure.locator("canvas")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    # Something was painted: not every pixel of the canvas is transparent.
    painted = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"""
    )
    assert painted > 500
    table = figure.locator("table")
    expect(table).to_be_hidden()
    figure.get_by_text("Table view").click()
    expect(table).to_be_visible()
    expect(table.locator("tr", has_text="Q4 2025/26")).to_contain_text("12")

    page.locator("#period-4").get_by_role("link", name="Review and evidence").click()
    expect(page).to_have_url(re.compile(r"#actual-4$"))
    expect(page.locator("#actual-4")).to_contain_text("Q4 count")
