"""The KPI JSON API: indicators (CRUD, links, formulas, validation), targets per period
with approval and revisions, actuals and statuses, the workspace's status scale, and an
audit row for every write."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import ConsultantRole, Role, StaffRole
from saypro.tenants.kpis.models import Indicator, Target
from tests.conftest import login
from tests.factories import TenantRef, assign_consultant, make_staff, make_user
from tests.tenants.kpis.conftest import IndicatorRef
from tests.tenants.strategy.conftest import ObjectiveRef, make_objective


def _base(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis/indicators"


def _audit(database: Database, tenant: TenantRef, prefix: str = "kpis.") -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        )


def _count(database: Database, tenant: TenantRef, model: Any) -> int:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return len(session.scalars(select(model.id)).all())


UPTIME = {
    "code": "ICT1",
    "name": "Network uptime of municipal sites",
    "definition": "Availability of the core network during working hours",
    "unit": "percentage",
    "decimal_places": 2,
    "direction": "higher_is_better",
    "frequency": "quarterly",
    "target_type": "per_period",
    "data_source": "Network monitoring report",
    "baseline_value": "97.5",
    "baseline_date": "2026-06-30",
}


def test_create_read_update_delete_with_audit(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, objective_a: ObjectiveRef
) -> None:
    created = client_a.post(
        _base(tenant_a),
        json={
            **UPTIME,
            "objectives": [{"objective_id": str(objective_a.objective_id), "weight": "2"}],
            "initiative_ids": [str(objective_a.initiative_id)],
            "thresholds": {"C": "99"},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["unit"] == "percentage" and body["baseline_value"] == "97.5000"
    assert body["objectives"] == [{"objective_id": str(objective_a.objective_id), "weight": "2.00"}]
    assert body["initiative_ids"] == [str(objective_a.initiative_id)]
    assert body["thresholds"] == {"C": "99"}
    url = f"{_base(tenant_a)}/{body['id']}"
    assert client_a.get(url).json()["name"] == UPTIME["name"]
    changed = client_a.patch(url, json={"name": "Network uptime", "objectives": []})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["objectives"]) == ("Network uptime", [])
    assert changed.json()["initiative_ids"] == [str(objective_a.initiative_id)]  # not sent: kept
    assert client_a.delete(url).status_code == 204
    assert client_a.get(url).status_code == 404
    events = _audit(database, tenant_a, "kpis.indicator")
    assert [e.action for e in events] == [
        "kpis.indicator.created",
        "kpis.indicator.updated",
        "kpis.indicator.deleted",
    ]
    assert events[1].before == {
        "name": UPTIME["name"],
        "objectives": [{"objective_id": str(objective_a.objective_id), "weight": "2.00"}],
    }
    assert events[2].before is not None and events[2].before["code"] == "ICT1"
    assert all(e.entity_id == uuid.UUID(body["id"]) for e in events)


def test_list_paginates_and_filters(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    for number in range(1, 8):
        frequency = "monthly" if number % 3 == 0 else "quarterly"
        response = client_a.post(
            _base(tenant_a),
            json={
                "code": f"ICT{number}",
                "name": f"Indicator number {number}",
                "frequency": frequency,
            },
        )
        assert response.status_code == 201, response.text
    page = client_a.get(_base(tenant_a), params={"limit": 3, "offset": 3}).json()
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 3)
    assert [item["code"] for item in page["items"]] == ["ICT4", "ICT5", "ICT6"]
    monthly = client_a.get(_base(tenant_a), params={"frequency": "monthly"}).json()
    assert [item["code"] for item in monthly["items"]] == ["ICT3", "ICT6"]
    assert client_a.get(_base(tenant_a), params={"q": "number 7"}).json()["total"] == 1
    assert client_a.get(_base(tenant_a), params={"q": "%"}).json()["total"] == 0
    too_many = client_a.get(_base(tenant_a), params={"limit": 500})
    assert too_many.status_code == 422
    assert [e["field"] for e in too_many.json()["errors"]] == ["limit"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "", "name": "Valid name"}, "code"),
        ({"code": "bad code!", "name": "Valid name"}, "code"),
        ({"code": "ICT1", "name": "x"}, "name"),
        ({"code": "ICT1", "name": "Valid name", "unit": "litres"}, "unit"),
        ({"code": "ICT1", "name": "Valid name", "direction": "sideways"}, "direction"),
        ({"code": "ICT1", "name": "Valid name", "frequency": "weekly"}, "frequency"),
        ({"code": "ICT1", "name": "Valid name", "decimal_places": 7}, "decimal_places"),
        ({"code": "ICT1", "name": "Valid name", "baseline_value": "abc"}, "baseline_value"),
        ({"code": "ICT1", "name": "Valid name", "baseline_value": "NaN"}, "baseline_value"),
        ({"code": "ICT1", "name": "Valid name", "baseline_value": "1.23456"}, "baseline_value"),
        ({"code": "ICT1", "name": "Valid name", "baseline_date": "2026-01-01"}, "baseline_value"),
        ({"code": "ICT1", "name": "Valid name", "owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"code": "ICT1", "name": "Valid name", "reviewer_id": "nobody"}, "reviewer_id"),
        ({"code": "ICT1", "name": "Valid name", "calculation": "formula"}, "formula"),
        ({"code": "ICT1", "name": "Valid name", "formula": "ICT2 + 1"}, "formula"),
        (
            {"code": "ICT1", "name": "Valid name", "calculation": "formula", "formula": "ICT9 * 2"},
            "formula",
        ),
        (
            {"code": "ICT1", "name": "Valid name", "calculation": "formula", "formula": "ICT1 + 1"},
            "formula",
        ),
        (
            {"code": "ICT1", "name": "Valid name", "calculation": "formula", "formula": "(1 +"},
            "formula",
        ),
        ({"code": "ICT1", "name": "Valid name", "thresholds": {"purple": "5"}}, "thresholds"),
        (
            {
                "code": "ICT1",
                "name": "Valid name",
                "objectives": [{"objective_id": str(uuid.uuid4())}],
            },
            "objectives",
        ),
        (
            {"code": "ICT1", "name": "Valid name", "initiative_ids": [str(uuid.uuid4())]},
            "initiative_ids",
        ),
        ({"code": "ICT1", "name": "Nul\u0000byte"}, "name"),
        ({"code": "ICT1", "name": "Valid name", "colour": "red"}, "colour"),
    ],
)
def test_invalid_indicators_are_refused_naming_the_field(
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    database: Database,
    payload: dict[str, Any],
    field: str,
) -> None:
    response = client_a.post(_base(tenant_a), json=payload)
    assert response.status_code in (400, 422), response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert _count(database, tenant_a, Indicator) == 0
    assert _audit(database, tenant_a) == []


def test_links_to_another_municipalitys_objectives_are_refused(
    client_a: TestClient[Any], tenant_a: TenantRef, tenant_b: TenantRef, database: Database
) -> None:
    theirs = make_objective(database, tenant_b)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"objectives": [{"objective_id": str(theirs.objective_id)}]}, "objectives"),
        ({"initiative_ids": [str(theirs.initiative_id)]}, "initiative_ids"),
    ]
    for payload, field in cases:
        response = client_a.post(
            _base(tenant_a), json={"code": "ICT1", "name": "Linked", **payload}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
    assert _count(database, tenant_a, Indicator) == 0


def test_duplicate_code_is_a_conflict_on_code(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    assert client_a.post(_base(tenant_a), json={"code": "ICT1", "name": "First"}).status_code == 201
    duplicate = client_a.post(_base(tenant_a), json={"code": "ict1", "name": "Second"})
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"] == [
        {"field": "code", "message": "ict1 is already used by another indicator"}
    ]


def test_formulas_reference_known_codes_and_never_form_a_cycle(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    base = _base(tenant_a)
    logged = client_a.post(
        base, json={"code": "ICT2A", "name": "Tickets logged", "frequency": "monthly"}
    ).json()
    client_a.post(base, json={"code": "ICT2B", "name": "Tickets in SLA", "frequency": "monthly"})
    ratio = client_a.post(
        base,
        json={
            "code": "ICT2",
            "name": "Share of tickets in SLA",
            "frequency": "monthly",
            "unit": "percentage",
            "calculation": "formula",
            "formula": "ICT2B / ICT2A * 100",
        },
    )
    assert ratio.status_code == 201, ratio.text
    # ICT2A may not become a formula over ICT2 (ICT2 → ICT2A → ICT2).
    cycle = client_a.patch(
        f"{base}/{logged['id']}", json={"calculation": "formula", "formula": "ICT2 * 2"}
    )
    assert cycle.status_code == 422
    assert cycle.json()["errors"][0]["field"] == "formula"
    assert "cycle" in cycle.json()["errors"][0]["message"]
    # An input of a formula can be neither renamed nor deleted.
    renamed = client_a.patch(f"{base}/{logged['id']}", json={"code": "ICT2X"})
    assert renamed.status_code == 409 and renamed.json()["errors"][0]["field"] == "code"
    assert client_a.delete(f"{base}/{logged['id']}").status_code == 409
    # Calculated values: the formula over the inputs' actuals of the same period.
    ids = {i["code"]: i["id"] for i in client_a.get(base).json()["items"]}
    client_a.put(f"{base}/{ids['ICT2A']}/actuals/2026/1", json={"value": "400"})
    client_a.put(f"{base}/{ids['ICT2B']}/actuals/2026/1", json={"value": "372"})
    client_a.put(
        f"{base}/{ids['ICT2']}/targets/2026", json={"periods": [{"period": 1, "value": "90"}]}
    )
    year = client_a.get(f"{base}/{ids['ICT2']}/targets/2026").json()
    july = year["periods"][0]
    assert (july["actual"], july["status"]["key"]) == ("93.0000", "C")
    assert july["status"]["achievement"] == "103.33"
    refused = client_a.put(f"{base}/{ids['ICT2']}/actuals/2026/1", json={"value": "1"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "value"
    # Switching to manual entry drops the formula.
    manual = client_a.patch(f"{base}/{ids['ICT2']}", json={"calculation": "manual"})
    assert manual.json()["formula"] is None


def test_targets_actuals_and_status_at_each_quarter(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    indicator = client_a.post(
        _base(tenant_a),
        json={
            "code": "ICT3",
            "name": "ICT strategy milestones achieved",
            "target_type": "cumulative",
        },
    ).json()
    url = f"{_base(tenant_a)}/{indicator['id']}"
    targets = client_a.put(
        f"{url}/targets/2025",
        json={
            "periods": [
                {"period": n, "value": v} for n, v in [(1, "2"), (2, "4"), (3, "3"), (4, "3")]
            ]
        },
    )
    assert targets.status_code == 200, targets.text
    year = targets.json()
    assert year["label"] == "2025/26" and year["annual_target"] == "12.0000"  # derived: the sum
    assert next(p["label"] for p in year["periods"]) == "Q1 2025/26 (Jul–Sep 2025)"
    # 2025/26 is over: every unreported period is "not reported".
    assert {p["status"]["key"] for p in year["periods"]} == {"NR"}
    client_a.put(f"{url}/actuals/2025/1", json={"value": "1"})
    year = client_a.put(f"{url}/actuals/2025/2", json={"value": "5"}).json()
    q1, q2 = year["periods"][0], year["periods"][1]
    assert (q1["status"]["key"], q1["ytd_status"]["key"]) == ("D", "D")
    # Q2 beat its own target and made up Q1's shortfall: 6 of 6 year-to-date.
    assert (q2["ytd_target"], q2["ytd_actual"], q2["ytd_status"]["key"]) == (
        "6.0000",
        "6.0000",
        "C",
    )
    assert [q["status"]["key"] for q in year["quarters"]] == ["D", "C", "NR", "NR"]
    flagged = client_a.put(
        f"{url}/actuals/2025/3", json={"flag": "information_not_available", "note": "System down"}
    ).json()
    assert flagged["periods"][2]["status"]["key"] == "I"
    assert flagged["quarters"][2]["status"]["condition"] == "information_not_available"
    events = [e.action for e in _audit(database, tenant_a)]
    assert events.count("kpis.actual.recorded") == 3 and "kpis.targets.set" in events


def test_annual_indicator_is_not_due_before_q4(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    indicator = client_a.post(
        _base(tenant_a),
        json={"code": "ICT5", "name": "ICT policies approved", "frequency": "annual"},
    ).json()
    url = f"{_base(tenant_a)}/{indicator['id']}"
    year = client_a.put(
        f"{url}/targets/2025", json={"annual": "4", "periods": [{"period": 1, "value": "4"}]}
    ).json()
    assert [q["status"]["key"] for q in year["quarters"]] == ["ND", "ND", "ND", "NR"]
    assert len(year["periods"]) == 1 and year["periods"][0]["label"].startswith("Annual 2025/26")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"periods": [{"period": 5, "value": "1"}]}, "periods"),
        ({"periods": [{"period": 1, "value": "1"}, {"period": 1, "value": "2"}]}, "periods"),
        ({"periods": [{"period": 1, "value": "1", "upper_value": "2"}]}, "periods"),
        ({"periods": [{"period": 0, "value": "1"}]}, "periods"),
        ({"periods": [{"period": 1, "value": "x"}]}, "periods"),
        ({"annual": "500", "periods": [{"period": 1, "value": "100"}]}, "annual"),
        ({"annual": "1e400"}, "annual"),
    ],
)
def test_invalid_targets_write_nothing(
    client_a: TestClient[Any],
    indicator_a: IndicatorRef,
    database: Database,
    payload: dict[str, Any],
    field: str,
) -> None:
    url = f"{_base(indicator_a.tenant)}/{indicator_a.indicator_id}/targets/2027"
    response = client_a.put(url, json=payload)
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"][0]["field"].split(".")[0] == field
    assert client_a.get(url).json()["annual_target"] is None
    assert _audit(database, indicator_a.tenant) == []


def test_targets_changed_after_approval_keep_a_revision_with_the_reason(
    client_a: TestClient[Any], indicator_a: IndicatorRef, database: Database
) -> None:
    url = f"{_base(indicator_a.tenant)}/{indicator_a.indicator_id}/targets/2026"
    approved = client_a.post(f"{url}/approve")
    assert approved.status_code == 200 and approved.json()["approved_at"] is not None
    again = client_a.post(f"{url}/approve")
    assert again.json()["approved_at"] == approved.json()["approved_at"]  # idempotent
    adjusted = {
        "annual": "360",
        "periods": [
            {"period": n, "value": v} for n, v in [(1, "100"), (2, "100"), (3, "80"), (4, "80")]
        ],
    }
    refused = client_a.put(url, json=adjusted)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert client_a.get(url).json()["annual_target"] == "400.0000"
    saved = client_a.put(
        url, json={**adjusted, "reason": "Mid-year adjustment, council resolution 45/2027"}
    )
    assert saved.status_code == 200, saved.text
    revisions = saved.json()["revisions"]
    assert sorted((r["period"], r["previous_value"], r["value"]) for r in revisions) == [
        (0, "400.0000", "360.0000"),
        (3, "100.0000", "80.0000"),
        (4, "100.0000", "80.0000"),
    ]
    assert {r["reason"] for r in revisions} == {"Mid-year adjustment, council resolution 45/2027"}
    # Sending the same targets again changes nothing and records nothing.
    client_a.put(url, json={**adjusted, "reason": "again"})
    assert len(client_a.get(url).json()["revisions"]) == 3
    actions = [e.action for e in _audit(database, indicator_a.tenant)]
    assert actions == ["kpis.targets.approved", "kpis.targets.revised"]
    revised = _audit(database, indicator_a.tenant)[1]
    assert revised.after is not None and revised.after["reason"].startswith("Mid-year")


def test_frequency_cannot_change_once_periods_have_targets(
    client_a: TestClient[Any], indicator_a: IndicatorRef
) -> None:
    url = f"{_base(indicator_a.tenant)}/{indicator_a.indicator_id}"
    response = client_a.patch(url, json={"frequency": "monthly"})
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "frequency"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("2026/5", {"value": "1"}, "period"),
        ("2026/1", {}, "value"),
        ("2026/1", {"value": "1.5"}, "value"),  # no decimal places on this indicator
        ("2026/1", {"flag": "lost"}, "flag"),
        ("1999/1", {"value": "1"}, "financial_year"),
    ],
)
def test_invalid_actuals_write_nothing(
    client_a: TestClient[Any],
    indicator_a: IndicatorRef,
    database: Database,
    path: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    url = f"{_base(indicator_a.tenant)}/{indicator_a.indicator_id}/actuals/{path}"
    response = client_a.put(url, json=payload)
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"][0]["field"] == field
    assert _audit(database, indicator_a.tenant) == []


def test_workspace_scale_presets_and_thresholds(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, indicator_a: IndicatorRef
) -> None:
    scale_url = f"/api/v1/t/{tenant_a.slug}/kpis/scale"
    default = client_a.get(scale_url).json()
    assert default["scale"] == "binary_key" and [b["key"] for b in default["bands"]] == ["C", "D"]
    assert default["marks"]["not_applicable"]["key"] == "N/A"
    assert set(default["presets"]) == {"binary_key", "five_band", "five_level_met", "rag"}
    bad = client_a.put(scale_url, json={"scale": "rag", "thresholds": {"amber": "120"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "thresholds"
    unknown = client_a.put(scale_url, json={"scale": "traffic"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "scale"
    rag = client_a.put(scale_url, json={"scale": "rag", "thresholds": {"amber": "90"}})
    assert rag.status_code == 200
    assert [(b["key"], b["min_percent"]) for b in rag.json()["bands"]] == [
        ("green", "100"),
        ("amber", "90"),
        ("red", None),
    ]
    indicator_url = f"{_base(tenant_a)}/{indicator_a.indicator_id}"
    year = client_a.put(f"{indicator_url}/actuals/2026/1", json={"value": "85"}).json()
    assert year["periods"][0]["status"]["key"] == "red"
    # The indicator's own threshold wins over the workspace's.
    client_a.patch(indicator_url, json={"thresholds": {"amber": "80"}})
    assert (
        client_a.get(f"{indicator_url}/targets/2026").json()["periods"][0]["status"]["key"]
        == "amber"
    )
    actions = [e.action for e in _audit(database, tenant_a)]
    assert actions.count("kpis.settings.updated") == 1


@pytest.mark.parametrize(
    ("role", "can_write"),
    [
        (Role.VIEWER, False),
        (Role.CONTRIBUTOR, False),
        (Role.EDITOR, True),
        (Role.TENANT_ADMIN, True),
    ],
)
def test_roles_read_and_write(
    client: TestClient[Any], tenant_a: TenantRef, database: Database, role: Role, can_write: bool
) -> None:
    login(client, make_user(database, (tenant_a, role)))
    assert client.get(_base(tenant_a)).status_code == 200
    response = client.post(_base(tenant_a), json={"code": "ICT1", "name": "Network uptime"})
    assert response.status_code == (201 if can_write else 403)


def test_indicators_of_another_municipality_are_not_found(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, tenant_b: TenantRef
) -> None:
    from tests.tenants.kpis.conftest import make_indicator

    theirs = make_indicator(database, tenant_b)
    url = f"{_base(tenant_a)}/{theirs.indicator_id}"
    assert client_a.get(url).status_code == 404
    assert client_a.put(f"{url}/actuals/2026/1", json={"value": "1"}).status_code == 404
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_b.id)
        assert len(session.scalars(select(Target.id)).all()) == 5


@pytest.mark.parametrize("role", list(ConsultantRole))
def test_assigned_consultants_write(
    client: TestClient[Any], tenant_a: TenantRef, database: Database, role: ConsultantRole
) -> None:
    consultant = make_staff(database, StaffRole.CONSULTANT)
    assign_consultant(database, consultant, tenant_a, role)
    login(client, consultant)
    response = client.post(_base(tenant_a), json={"code": "ICT1", "name": "Network uptime"})
    assert response.status_code == 201, response.text
    [event] = _audit(database, tenant_a)
    assert event.actor_id == consultant.id and event.action == "kpis.indicator.created"


def test_deleting_an_objective_removes_its_links(
    client_a: TestClient[Any], tenant_a: TenantRef, objective_a: ObjectiveRef
) -> None:
    created = client_a.post(
        _base(tenant_a),
        json={
            "code": "ICT3",
            "name": "ICT strategy milestones achieved",
            "objectives": [{"objective_id": str(objective_a.objective_id)}],
            "initiative_ids": [str(objective_a.initiative_id)],
        },
    ).json()
    objective_url = f"/api/v1/t/{tenant_a.slug}/objectives/{objective_a.objective_id}"
    assert client_a.delete(objective_url).status_code == 204
    indicator = client_a.get(f"{_base(tenant_a)}/{created['id']}").json()
    assert (indicator["objectives"], indicator["initiative_ids"]) == ([], [])


def test_a_yes_no_indicator_takes_only_one_or_zero(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    created = client_a.post(
        _base(tenant_a),
        json={
            "code": "POL1",
            "name": "ICT policy approved",
            "unit": "yes_no",
            "frequency": "annual",
        },
    )
    assert created.status_code == 201, created.text
    url = f"{_base(tenant_a)}/{created.json()['id']}/actuals/2026/1"
    for refused in ("2", "0.5"):
        answer = client_a.put(url, json={"value": refused})
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "value"
    year = client_a.put(url, json={"value": "1"})
    assert year.status_code == 200 and year.json()["periods"][0]["actual"] == "1.0000"
