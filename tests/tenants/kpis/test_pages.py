"""The KPI pages: list, the indicator form with server-side validation, and the
indicator page with its periods, targets, actuals and statuses."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.tenants.kpis.models import Indicator
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, make_user
from tests.tenants.kpis.conftest import IndicatorRef
from tests.tenants.strategy.conftest import ObjectiveRef


def _form(client: TestClient[Any], **fields: Any) -> dict[str, Any]:
    return {"_csrf_token": csrf_token(client), **fields}


def _indicators(database: Database, tenant: TenantRef) -> list[Indicator]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(Indicator)))


VALID = {
    "code": "ICT1",
    "name": "Network uptime of municipal sites",
    "definition": "Availability of the core network",
    "unit": "percentage",
    "decimal_places": "2",
    "direction": "higher_is_better",
    "frequency": "quarterly",
    "target_type": "per_period",
    "calculation": "manual",
    "formula": "",
    "data_source": "Network monitoring report",
    "baseline_value": "97.5",
    "baseline_date": "2026-06-30",
    "owner_id": "",
    "reviewer_id": "",
    "threshold_C": "",
}


def test_create_indicator_through_the_form_with_links(
    client_a: TestClient[Any], tenant_a: TenantRef, objective_a: ObjectiveRef, database: Database
) -> None:
    base = f"/t/{tenant_a.slug}/kpis/indicators"
    new = client_a.get(f"{base}/new")
    assert (
        new.status_code == 200 and 'name="code"' in new.text and "SO1 · Objective SO1" in new.text
    )
    response = client_a.post(
        f"{base}/new",
        data=_form(
            client_a,
            **VALID,
            objective_ids=[str(objective_a.objective_id)],
            initiative_ids=[str(objective_a.initiative_id)],
        ),
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text
    detail = client_a.get(response.headers["location"])
    assert "ICT1 · Network uptime of municipal sites" in detail.text
    assert "SO1 · Objective SO1 (weight 1.00)" in detail.text
    assert "Q1 2026/27 (Jul–Sep 2026)" in detail.text
    assert "97.50%" in detail.text  # the baseline, with the indicator's decimal places
    assert "Network uptime of municipal sites" in client_a.get(f"{base}/").text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        [stored] = session.scalars(select(Indicator)).all()
        assert len(stored.objective_links) == 1 and len(stored.initiative_links) == 1


def test_invalid_form_shows_errors_next_to_the_fields_and_writes_nothing(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    base = f"/t/{tenant_a.slug}/kpis/indicators"
    response = client_a.post(
        f"{base}/new",
        data=_form(
            client_a,
            **{
                **VALID,
                "name": "ab",
                "decimal_places": "9",
                "baseline_value": "lots",
                "threshold_C": "abc",
                "objective_ids": ["not-an-id"],
            },
        ),
    )
    assert response.status_code == 422
    for field in ("name", "decimal_places", "baseline_value", "threshold_C", "objectives"):
        assert f'id="{field}-error"' in response.text, field
    assert 'value="ICT1"' in response.text  # what was typed is kept
    assert _indicators(database, tenant_a) == []


def test_service_rules_are_reported_on_their_field(
    client_a: TestClient[Any], tenant_a: TenantRef, indicator_a: IndicatorRef, database: Database
) -> None:
    base = f"/t/{tenant_a.slug}/kpis/indicators"
    duplicate = client_a.post(f"{base}/new", data=_form(client_a, **VALID))
    assert duplicate.status_code == 422
    assert 'id="code-error"' in duplicate.text and "already used" in duplicate.text
    formula = client_a.post(
        f"{base}/new",
        data=_form(
            client_a,
            **{**VALID, "code": "ICT9", "calculation": "formula", "formula": "ICT1 / NOPE"},
        ),
    )
    assert formula.status_code == 422
    assert 'id="formula-error"' in formula.text and "unknown indicator code NOPE" in formula.text
    threshold = client_a.post(
        f"{base}/new", data=_form(client_a, **{**VALID, "code": "ICT8", "threshold_C": "2000"})
    )
    assert threshold.status_code == 422 and 'id="threshold_C-error"' in threshold.text
    # Checked by the API's model too (two decimal places), on the field, never a 500.
    precise = client_a.post(
        f"{base}/new", data=_form(client_a, **{**VALID, "code": "ICT7", "threshold_C": "95.555"})
    )
    assert precise.status_code == 422 and 'id="threshold_C-error"' in precise.text
    edited = client_a.post(
        f"{base}/{indicator_a.indicator_id}/edit",
        data=_form(client_a, **{**VALID, "threshold_C": "95.555"}),
    )
    assert edited.status_code == 422 and 'id="threshold_C-error"' in edited.text
    assert len(_indicators(database, tenant_a)) == 1


def test_edit_and_delete_indicator(
    client_a: TestClient[Any], indicator_a: IndicatorRef, database: Database
) -> None:
    url = f"/t/{indicator_a.tenant.slug}/kpis/indicators/{indicator_a.indicator_id}"
    edit = client_a.get(f"{url}/edit")
    assert 'value="ICT1"' in edit.text and 'value="Indicator ICT1"' in edit.text
    saved = client_a.post(
        f"{url}/edit",
        data=_form(
            client_a,
            **{
                **VALID,
                "frequency": "quarterly",
                "target_type": "cumulative",
                "name": "Milestones achieved",
                "unit": "number",
                "decimal_places": "0",
            },
        ),
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303), saved.text
    assert "Milestones achieved" in client_a.get(url).text
    refused = client_a.post(
        f"{url}/edit", data=_form(client_a, **{**VALID, "frequency": "monthly"})
    )
    assert refused.status_code == 422 and 'id="frequency-error"' in refused.text
    deleted = client_a.post(f"{url}/delete", data=_form(client_a), follow_redirects=False)
    assert deleted.status_code in (302, 303)
    assert client_a.get(url).status_code == 404
    with database.sync_sessions() as session:
        bind_tenant_sync(session, indicator_a.tenant.id)
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("kpis.")))
        )
    assert actions == ["kpis.indicator.updated", "kpis.indicator.deleted"]


def test_indicator_page_shows_periods_targets_and_statuses(
    client_a: TestClient[Any], indicator_a: IndicatorRef
) -> None:
    url = f"/t/{indicator_a.tenant.slug}/kpis/indicators/{indicator_a.indicator_id}"
    recorded = client_a.post(
        f"{url}/actuals/2026",
        data=_form(client_a, period="1", value="120", flag="", note=""),
        follow_redirects=False,
    )
    assert recorded.status_code in (302, 303), recorded.text
    page = client_a.get(f"{url}?year=2026")
    assert page.status_code == 200
    assert "Financial year 2026/27" in page.text
    assert 'data-testid="annual-target">400' in page.text
    assert "Q4 2026/27 (Apr–Jun 2027)" in page.text
    assert (
        'class="badge status-green" title="Meets or exceeds target">C</span> <span class="muted">120.00%'
        in page.text
    )
    assert 'name="target_1" value="100"' in page.text


def test_targets_form_validates_and_keeps_revisions(
    client_a: TestClient[Any], indicator_a: IndicatorRef
) -> None:
    url = f"/t/{indicator_a.tenant.slug}/kpis/indicators/{indicator_a.indicator_id}"
    periods = {"target_1": "100", "target_2": "100", "target_3": "100", "target_4": "100"}
    bad = client_a.post(
        f"{url}/targets/2026",
        data=_form(
            client_a,
            annual="300",
            target_2="x",
            **{k: v for k, v in periods.items() if k != "target_2"},
        ),
    )
    assert bad.status_code == 422 and 'id="target_2-error"' in bad.text
    mismatch = client_a.post(f"{url}/targets/2026", data=_form(client_a, annual="300", **periods))
    assert mismatch.status_code == 422 and 'id="annual-error"' in mismatch.text
    assert "add up to 400" in mismatch.text
    approve = client_a.post(
        f"{url}/targets/2026/approve", data=_form(client_a), follow_redirects=False
    )
    assert approve.status_code in (302, 303)
    page = client_a.get(f"{url}?year=2026")
    assert "approved" in page.text and 'name="reason"' in page.text
    adjusted = {**periods, "target_4": "60"}
    no_reason = client_a.post(
        f"{url}/targets/2026", data=_form(client_a, annual="360", reason="", **adjusted)
    )
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
    saved = client_a.post(
        f"{url}/targets/2026",
        data=_form(client_a, annual="360", reason="Mid-year adjustment", **adjusted),
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303), saved.text
    page = client_a.get(f"{url}?year=2026")
    assert 'data-testid="revisions"' in page.text and "Mid-year adjustment" in page.text


def test_actual_form_errors(client_a: TestClient[Any], indicator_a: IndicatorRef) -> None:
    url = f"/t/{indicator_a.tenant.slug}/kpis/indicators/{indicator_a.indicator_id}"
    empty = client_a.post(
        f"{url}/actuals/2026", data=_form(client_a, period="1", value="", flag="", note="")
    )
    assert empty.status_code == 422 and 'id="value-error"' in empty.text
    no_period = client_a.post(f"{url}/actuals/2026", data=_form(client_a, period="", value="1"))
    assert no_period.status_code == 422 and 'id="period-error"' in no_period.text
    late = client_a.post(f"{url}/actuals/2026", data=_form(client_a, period="9", value="1"))
    assert late.status_code == 422 and 'id="period-error"' in late.text


def test_viewers_read_but_see_no_forms(
    client: TestClient[Any], indicator_a: IndicatorRef, database: Database
) -> None:
    login(client, make_user(database, (indicator_a.tenant, Role.VIEWER)))
    base = f"/t/{indicator_a.tenant.slug}/kpis/indicators"
    listing = client.get(f"{base}/")
    assert listing.status_code == 200 and "Indicator ICT1" in listing.text
    assert "New indicator" not in listing.text
    page = client.get(f"{base}/{indicator_a.indicator_id}")
    assert page.status_code == 200 and "Save targets" not in page.text and ">Edit<" not in page.text
    assert client.get(f"{base}/new").status_code == 403


def test_status_scale_page(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    url = f"/t/{tenant_a.slug}/kpis/scale"
    page = client_a.get(f"{url}/")
    assert page.status_code == 200 and "Binary key (C, D, I, E)" in page.text
    assert "Original target to be amended" in page.text and "Not applicable" in page.text
    unordered = client_a.post(
        f"{url}/", data=_form(client_a, scale="rag", threshold_green="100", threshold_amber="120")
    )
    assert unordered.status_code == 422 and 'id="threshold_green-error"' in unordered.text
    unknown = client_a.post(f"{url}/", data=_form(client_a, scale="traffic"))
    assert unknown.status_code == 422 and 'id="scale-error"' in unknown.text
    not_a_number = client_a.post(
        f"{url}/", data=_form(client_a, scale="rag", threshold_amber="most")
    )
    assert not_a_number.status_code == 422 and 'id="threshold_amber-error"' in not_a_number.text
    for unusable in ("95.555", "5000", "sNaN", "Infinity"):
        refused = client_a.post(
            f"{url}/", data=_form(client_a, scale="rag", threshold_amber=unusable)
        )
        assert refused.status_code == 422 and 'id="threshold_amber-error"' in refused.text
    saved = client_a.post(
        f"{url}/",
        data=_form(client_a, scale="five_band", threshold_on_target="100", threshold_below="90"),
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303), saved.text
    page = client_a.get(f"{url}/")
    assert "Five bands" in page.text and 'name="threshold_below" value="90"' in page.text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "kpis.settings.updated"))
        )
    assert len(events) == 1 and events[0].after == {
        "scale": "five_band",
        "thresholds": {"below": "90"},
    }
