"""The objectives pages: list, forms with server-side validation, htmx inline edits."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, make_user
from tests.tenants.strategy.conftest import ObjectiveRef

HTMX = {"HX-Request": "true"}


def _form(client: TestClient[Any], **fields: str) -> dict[str, str]:
    return {"_csrf_token": csrf_token(client), **fields}


def test_create_objective_through_the_form(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    base = f"/t/{tenant_a.slug}/objectives"
    assert 'name="code"' in client_a.get(f"{base}/new").text
    response = client_a.post(
        f"{base}/new",
        data=_form(
            client_a,
            code="SO2",
            title="Enhance Operational Efficiency",
            status="on_track",
            start_date="2026-07-01",
            target_date="2027-06-30",
            owner_id="",
            description="",
        ),
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text
    detail = client_a.get(response.headers["location"])
    assert "SO2 · Enhance Operational Efficiency" in detail.text
    listing = client_a.get(f"{base}/")
    assert "Enhance Operational Efficiency" in listing.text


def test_invalid_form_shows_errors_next_to_the_fields_and_writes_nothing(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    base = f"/t/{tenant_a.slug}/objectives"
    response = client_a.post(
        f"{base}/new",
        data=_form(
            client_a,
            code="SO1",
            title="ab",
            status="on_track",
            start_date="2027-07-01",
            target_date="2026-06-30",
        ),
    )
    assert response.status_code == 422
    assert 'id="title-error"' in response.text
    assert 'id="target_date-error"' in response.text
    assert 'value="SO1"' in response.text  # what was typed is kept
    assert "No objectives match" in client_a.get(f"{base}/").text


def test_duplicate_code_is_reported_on_the_code_field(
    client_a: TestClient[Any], objective_a: ObjectiveRef
) -> None:
    response = client_a.post(
        f"/t/{objective_a.tenant.slug}/objectives/new",
        data=_form(client_a, code="SO1", title="Another objective", status="not_started"),
    )
    assert response.status_code == 422
    assert 'id="code-error"' in response.text and "already used" in response.text


def test_edit_and_delete_objective(client_a: TestClient[Any], objective_a: ObjectiveRef) -> None:
    url = f"/t/{objective_a.tenant.slug}/objectives/{objective_a.objective_id}"
    assert 'value="SO1"' in client_a.get(f"{url}/edit").text
    saved = client_a.post(
        f"{url}/edit",
        data=_form(client_a, code="SO1", title="Renamed objective", status="at_risk"),
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303)
    assert "Renamed objective" in client_a.get(url).text
    deleted = client_a.post(f"{url}/delete", data=_form(client_a), follow_redirects=False)
    assert deleted.status_code in (302, 303)
    assert client_a.get(url).status_code == 404


def test_htmx_inline_initiative_edit(client_a: TestClient[Any], objective_a: ObjectiveRef) -> None:
    row_url = f"/t/{objective_a.tenant.slug}/objectives/{objective_a.objective_id}/initiatives/{objective_a.initiative_id}"
    editor = client_a.get(f"{row_url}/edit", headers=HTMX)
    assert editor.status_code == 200 and 'name="percent_complete"' in editor.text
    invalid = client_a.post(
        row_url,
        headers=HTMX,
        data=_form(
            client_a,
            title="Initiative",
            phase="assessment",
            status="in_progress",
            weight="1",
            percent_complete="150",
        ),
    )
    assert invalid.status_code == 422 and 'id="percent_complete-error"' in invalid.text
    saved = client_a.post(
        row_url,
        headers=HTMX,
        data=_form(
            client_a,
            title="Initiative renamed",
            phase="implementation",
            status="in_progress",
            weight="2",
            percent_complete="75",
        ),
    )
    assert saved.status_code == 200
    assert saved.headers["hx-trigger"] == "progress-changed"
    assert "<tr" in saved.text and "Initiative renamed" in saved.text and "75.00%" in saved.text
    assert "Phase Three: Implementation" in client_a.get(row_url, headers=HTMX).text


def test_add_initiative_with_htmx_returns_the_section(
    client_a: TestClient[Any], objective_a: ObjectiveRef
) -> None:
    url = f"/t/{objective_a.tenant.slug}/objectives/{objective_a.objective_id}/initiatives"
    response = client_a.post(
        url,
        headers=HTMX,
        data=_form(
            client_a,
            title="Disaster recovery site",
            phase="strategy_development",
            status="not_started",
            weight="1",
            percent_complete="10",
            owner_id="",
        ),
    )
    assert response.status_code == 200
    assert 'id="initiatives"' in response.text and "Disaster recovery site" in response.text
    assert (
        "recalculating"
        in client_a.get(
            f"/t/{objective_a.tenant.slug}/objectives/{objective_a.objective_id}/progress"
        ).text
    )


def test_viewer_sees_no_edit_controls_and_cannot_post(
    client: TestClient[Any], database: Database, objective_a: ObjectiveRef
) -> None:
    login(client, make_user(database, (objective_a.tenant, Role.VIEWER)))
    url = f"/t/{objective_a.tenant.slug}/objectives/{objective_a.objective_id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Add an initiative" not in page.text and "/edit" not in page.text
    refused = client.post(f"{url}/delete", data=_form(client), follow_redirects=False)
    assert refused.status_code == 403
    assert client.get(url).status_code == 200


def test_list_page_paginates_and_filters(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    for number in range(1, 28):
        client_a.post(
            f"/api/v1/t/{tenant_a.slug}/objectives",
            json={"code": f"K{number:02d}", "title": f"Objective {number:02d}"},
        )
    first = client_a.get(f"/t/{tenant_a.slug}/objectives/")
    assert "page 1 of 2" in first.text and "K25" in first.text and "K26" not in first.text
    second = client_a.get(f"/t/{tenant_a.slug}/objectives/", params={"page": 2})
    assert "K26" in second.text and "K27" in second.text
    filtered = client_a.get(f"/t/{tenant_a.slug}/objectives/", params={"q": "Objective 13"})
    assert "K13" in filtered.text and "K12" not in filtered.text
