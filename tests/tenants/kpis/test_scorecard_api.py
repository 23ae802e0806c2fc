"""The scorecard and trend API: statuses and roll-ups at a quarter, defaults and refused
parameters, and nothing of another municipality."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from tests.factories import TenantRef
from tests.tenants.kpis.conftest import make_indicator
from tests.tenants.strategy.conftest import ObjectiveRef, make_objective

QUARTERLY = [{"period": n, "value": "10"} for n in range(1, 5)]


def _base(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis"


def _indicator(client: TestClient[Any], tenant: TenantRef, code: str, **links: Any) -> str:
    created = client.post(
        f"{_base(tenant)}/indicators", json={"code": code, "name": f"Indicator {code}", **links}
    )
    assert created.status_code == 201, created.text
    indicator_id: str = created.json()["id"]
    url = f"{_base(tenant)}/indicators/{indicator_id}"
    assert client.put(f"{url}/targets/2025", json={"periods": QUARTERLY}).status_code == 200
    return indicator_id


def _actual(
    client: TestClient[Any], tenant: TenantRef, indicator_id: str, period: int, **body: Any
) -> None:
    url = f"{_base(tenant)}/indicators/{indicator_id}/actuals/2025/{period}"
    assert client.put(url, json=body).status_code == 200


def test_scorecard_rolls_up_to_objective_initiative_and_workspace(
    client_a: TestClient[Any], tenant_a: TenantRef, objective_a: ObjectiveRef
) -> None:
    objective = str(objective_a.objective_id)
    met = _indicator(
        client_a, tenant_a, "MET", objectives=[{"objective_id": objective, "weight": "3"}]
    )
    missed = _indicator(
        client_a,
        tenant_a,
        "MISSED",
        objectives=[{"objective_id": objective, "weight": "1"}],
    )
    _indicator(client_a, tenant_a, "SILENT", initiative_ids=[str(objective_a.initiative_id)])
    flagged = _indicator(client_a, tenant_a, "FLAGGED")
    lone = _indicator(client_a, tenant_a, "LONE")
    for period in (1, 2):
        _actual(client_a, tenant_a, met, period, value="10")
        _actual(client_a, tenant_a, missed, period, value="5")
        _actual(client_a, tenant_a, lone, period, value="10")
    _actual(client_a, tenant_a, flagged, 2, flag="information_not_available", note="Down")

    response = client_a.get(
        f"{_base(tenant_a)}/scorecard", params={"financial_year": 2025, "quarter": 2}
    )
    assert response.status_code == 200, response.text
    card = response.json()
    assert (card["label"], card["quarter"], card["as_of"]) == ("2025/26", 2, "2025-12-31")
    assert [(b["key"], b["points"]) for b in card["bands"]] == [("C", "100.00"), ("D", "0.00")]
    by_code = {i["code"]: i for i in card["indicators"]}
    assert {code: (i["status"]["key"], i["points"]) for code, i in by_code.items()} == {
        "FLAGGED": ("I", None),
        "LONE": ("C", "100.00"),
        "MET": ("C", "100.00"),
        "MISSED": ("D", "0.00"),
        "SILENT": ("NR", "0.00"),
    }
    assert (by_code["MET"]["target"], by_code["MET"]["actual"]) == ("20.0000", "20.0000")
    assert by_code["MET"]["last_period"] == 2
    (objective_card,) = card["objectives"]
    (initiative,) = objective_card["initiatives"]
    # The initiative (weight 2): SILENT not reported → 0.
    assert (initiative["score"], initiative["weight"], initiative["judged"]) == ("0.00", "2.00", 1)
    # MET 100 × 3 + MISSED 0 × 1 + initiative 0 × 2 → 300 / 6 = 50: exactly halfway → D.
    assert objective_card["score"] == "50.00" and objective_card["status"]["key"] == "D"
    assert objective_card["counts"] == {"C": 1, "D": 1, "NR": 1}
    # Unlinked: LONE 100 and FLAGGED left out → 100, 1 of 2 judged.
    unlinked = card["unlinked"]
    assert (unlinked["score"], unlinked["judged"], unlinked["total"]) == ("100.00", 1, 2)
    # Workspace: (50 + 100) / 2 = 75 → C; all five indicators, four judged.
    workspace = card["workspace"]
    assert (workspace["score"], workspace["status"]["key"]) == ("75.00", "C")
    assert (workspace["judged"], workspace["total"]) == (4, 5)


def test_scorecard_defaults_to_the_latest_ended_quarter(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    from saypro.platform.clock import today_sast
    from saypro.tenants.kpis.scorecard import latest_ended_quarter

    year, quarter = latest_ended_quarter(today_sast())
    card = client_a.get(f"{_base(tenant_a)}/scorecard").json()
    assert (card["financial_year"], card["quarter"]) == (year.start_year, quarter)
    assert card["workspace"]["score"] is None and card["objectives"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"quarter": 5}, "quarter"),
        ({"quarter": 0}, "quarter"),
        ({"quarter": "Q1"}, "quarter"),
        ({"financial_year": 1999}, "financial_year"),
        ({"financial_year": "2025/26"}, "financial_year"),
    ],
)
def test_bad_quarter_or_year_is_refused_naming_it(
    client_a: TestClient[Any], tenant_a: TenantRef, params: dict[str, Any], field: str
) -> None:
    response = client_a.get(f"{_base(tenant_a)}/scorecard", params=params)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"]


def test_another_municipalitys_data_never_appears(
    client_a: TestClient[Any], tenant_a: TenantRef, tenant_b: TenantRef, database: Database
) -> None:
    theirs = make_indicator(database, tenant_b, "THEIRS", year=2025)
    make_objective(database, tenant_b, "SOB")
    _indicator(client_a, tenant_a, "OURS")
    card = client_a.get(f"{_base(tenant_a)}/scorecard", params={"financial_year": 2025}).json()
    assert [i["code"] for i in card["indicators"]] == ["OURS"]
    assert card["objectives"] == [] and card["workspace"]["total"] == 1
    trend = client_a.get(f"{_base(tenant_a)}/indicators/{theirs.indicator_id}/trend")
    assert trend.status_code == 404


def test_trend_gives_every_period_of_each_year(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    indicator = _indicator(client_a, tenant_a, "TREND")
    _actual(client_a, tenant_a, indicator, 1, value="12")
    url = f"{_base(tenant_a)}/indicators/{indicator}/trend"
    response = client_a.get(url, params={"financial_year": 2025, "years": 3})
    assert response.status_code == 200, response.text
    trend = response.json()
    assert (trend["code"], trend["first_year"], trend["last_year"]) == ("TREND", 2023, 2025)
    points = trend["points"]
    assert [p["label"] for p in points[:2]] == ["Q1 2023/24", "Q2 2023/24"]
    assert len(points) == 12
    assert [(p["target"], p["actual"], p["status"]["key"]) for p in points[8:10]] == [
        ("10.0000", "12.0000", "C"),
        ("10.0000", None, "NR"),
    ]
    assert points[0]["target"] is None and points[0]["status"]["key"] == "ND"
    for bad, field in (
        ({"years": 0}, "years"),
        ({"years": 11}, "years"),
        ({"financial_year": 2100}, "financial_year"),
    ):
        refused = client_a.get(url, params=bad)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
