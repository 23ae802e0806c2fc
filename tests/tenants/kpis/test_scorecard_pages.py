"""The scorecard page: the workspace score, objectives, initiatives and indicators, and
the drill-down links to the indicator's quarter, period and actual with evidence; the
trend chart's data table on the indicator page."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from tests.factories import TenantRef
from tests.tenants.strategy.conftest import ObjectiveRef


def _api(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis/indicators"


def _reported_indicator(client: TestClient[Any], tenant: TenantRef, objective: ObjectiveRef) -> str:
    created = client.post(
        _api(tenant),
        json={
            "code": "ICT9",
            "name": "Sites connected to fibre",
            "objectives": [{"objective_id": str(objective.objective_id), "weight": "2"}],
        },
    )
    assert created.status_code == 201, created.text
    indicator_id: str = created.json()["id"]
    url = f"{_api(tenant)}/{indicator_id}"
    periods = [{"period": n, "value": "10"} for n in range(1, 5)]
    assert client.put(f"{url}/targets/2025", json={"periods": periods}).status_code == 200
    for period, value in ((1, "10"), (2, "4")):
        assert client.put(f"{url}/actuals/2025/{period}", json={"value": value}).status_code == 200
    return indicator_id


def test_scorecard_drills_down_to_the_quarter_and_the_period_actual(
    client_a: TestClient[Any], tenant_a: TenantRef, objective_a: ObjectiveRef
) -> None:
    indicator_id = _reported_indicator(client_a, tenant_a, objective_a)
    page = client_a.get(
        f"/t/{tenant_a.slug}/kpis/scorecard", params={"financial_year": 2025, "quarter": 2}
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert "Scorecard: 2025/26, Q2" in html
    # 14 of 20 year to date: D, 0 points; the objective and the workspace say so in words.
    workspace = html.split('data-testid="workspace-score"')[1].split("</section>")[0]
    assert "Does not meet target" in workspace and "<strong>0.00</strong>" in workspace
    assert "1 of 1 indicator judged" in workspace and "D 1" in workspace
    assert "SO1 · Objective SO1" in html and "Initiative: Initiative (weight 2.00)" in html
    indicator_page = f"/t/{tenant_a.slug}/kpis/indicators/{indicator_id}?year=2025"
    assert f'href="{indicator_page}#quarter-2"' in html
    assert f'href="{indicator_page}#period-2"' in html
    assert 'href="/t/' + tenant_a.slug + '/kpis/scorecard"' in html  # in the KPIs navigation

    detail = client_a.get(indicator_page)
    assert detail.status_code == 200
    for anchor in ('id="quarter-2"', 'id="period-2"', 'href="#actual-2"', 'id="actual-2"'):
        assert anchor in detail.text, anchor
    # The actual row the anchor lands on is the one with the evidence upload of Q2.
    actual_row = detail.text.split('id="actual-2"')[1].split("</tr>")[0]
    assert "Evidence file for Q2 2025/26" in actual_row


def test_indicator_page_has_the_trend_chart_table(
    client_a: TestClient[Any], tenant_a: TenantRef, objective_a: ObjectiveRef
) -> None:
    indicator_id = _reported_indicator(client_a, tenant_a, objective_a)
    detail = client_a.get(f"/t/{tenant_a.slug}/kpis/indicators/{indicator_id}?year=2025")
    chart = detail.text.split('data-testid="trend-chart"')[1].split("</figure>")[0]
    assert "<caption>ICT9 Sites connected to fibre: target and actual by period</caption>" in chart
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', chart)
    assert len(rows) == 20  # five years of quarters, 2021/22 to 2025/26
    label, cells = rows[17]
    assert label == "Q2 2025/26"
    assert re.findall(r'data-value="([^"]*)"', cells) == ["10", "4"]
    assert "chart.umd.min.js" in detail.text


def test_scorecard_page_refuses_a_bad_quarter(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    response = client_a.get(f"/t/{tenant_a.slug}/kpis/scorecard", params={"quarter": 7})
    assert response.status_code in (400, 422)
    assert "quarter" in response.text


def test_empty_workspace_scorecard(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    page = client_a.get(f"/t/{tenant_a.slug}/kpis/scorecard")
    assert page.status_code == 200
    assert "no score: nothing judged" in page.text and "No strategic objectives yet." in page.text
