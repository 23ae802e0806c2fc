"""The frameworks pages: the list, a framework's tree with the add-item form, an item
page where indicators are mapped and unmapped, the report page, and forms that name the
field in error and write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, make_tenant, make_user
from tests.tenants.frameworks.conftest import audit_actions, count, frameworks_of, items_of
from tests.tenants.kpis.conftest import make_indicator


@pytest.fixture
def tenant(database: Database) -> TenantRef:
    return make_tenant(database, seed=True)


@pytest.fixture
def editor_client(client: TestClient[Any], tenant: TenantRef, database: Database) -> Any:
    login(client, make_user(database, (tenant, Role.EDITOR)))
    return client


def _form(client: TestClient[Any], **fields: Any) -> dict[str, Any]:
    return {"_csrf_token": csrf_token(client), **fields}


def test_browse_map_report_and_unmap(
    editor_client: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    client = editor_client
    base = f"/t/{tenant.slug}/frameworks"
    listing = client.get(base)
    assert listing.status_code == 200
    assert "Sustainable Development Goals" in listing.text and "Back to Basics" in listing.text
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    tree = client.get(f"{base}/{sdg.id}")
    assert "Industry, innovation and infrastructure" in tree.text and "16.10" in tree.text
    items = items_of(database, tenant, sdg.id)
    indicator = make_indicator(database, tenant, "FW1").indicator_id
    item_url = f"{base}/{sdg.id}/items/{items['9.c'].id}"
    page = client.get(item_url)
    assert page.status_code == 200 and "FW1 · Indicator FW1" in page.text
    mapped = client.post(
        f"{item_url}/indicators",
        data=_form(client, indicator_id=str(indicator)),
        follow_redirects=False,
    )
    assert mapped.status_code in (302, 303) and mapped.headers["location"] == item_url
    assert "Indicator FW1" in client.get(item_url).text
    report = client.get(
        f"{base}/{sdg.id}/items/{items['9'].id}/report?financial_year=2026&quarter=2"
    )
    assert report.status_code == 200
    assert "Everything that feeds 9 · Industry" in report.text and "Indicator FW1" in report.text
    assert "2026/27 Q2" in report.text
    unmapped = client.post(
        f"{item_url}/indicators/{indicator}/delete", data=_form(client), follow_redirects=False
    )
    assert unmapped.status_code in (302, 303)
    assert count(database, tenant, Mapping) == 0
    assert audit_actions(database, tenant) == [
        "frameworks.mapping.created",
        "frameworks.mapping.deleted",
    ]


def test_create_a_framework_and_items_through_forms(
    editor_client: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    client = editor_client
    base = f"/t/{tenant.slug}/frameworks"
    created = client.post(
        f"{base}/new",
        data=_form(client, kind="idp", name="IDP 2027-2032", description=""),
        follow_redirects=False,
    )
    assert created.status_code in (302, 303)
    framework_url = created.headers["location"]
    added = client.post(
        f"{framework_url}/items",
        data=_form(
            client, code="KPA1", title="Basic service delivery", parent_id="", description=""
        ),
        follow_redirects=False,
    )
    assert added.status_code in (302, 303)
    page = client.get(framework_url)
    assert "KPA1" in page.text and "Basic service delivery" in page.text


def test_bad_forms_name_the_field_and_write_nothing(
    editor_client: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    client = editor_client
    base = f"/t/{tenant.slug}/frameworks"
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    frameworks_before = count(database, tenant, Framework)
    items_before = count(database, tenant, FrameworkItem)

    short = client.post(f"{base}/new", data=_form(client, kind="custom", name="X"))
    assert short.status_code == 422 and 'id="name-error"' in short.text
    reference = client.post(f"{base}/new", data=_form(client, kind="sdg", name="More SDGs"))
    assert reference.status_code == 422 and 'id="kind-error"' in reference.text
    clash = client.post(
        f"{base}/{sdg.id}/items", data=_form(client, code="9.c", title="Again", parent_id="")
    )
    assert clash.status_code == 422 and 'id="code-error"' in clash.text
    assert "already used" in clash.text and 'value="Again"' in clash.text
    item = items_of(database, tenant, sdg.id)["9"]
    no_indicator = client.post(
        f"{base}/{sdg.id}/items/{item.id}/indicators", data=_form(client, indicator_id="")
    )
    assert no_indicator.status_code == 422 and 'id="indicator_id-error"' in no_indicator.text
    own_child = items_of(database, tenant, sdg.id)["9.c"]
    loop = client.post(
        f"{base}/{sdg.id}/items/{item.id}/edit",
        data=_form(client, code="9", title="Industry", parent_id=str(own_child.id)),
    )
    assert loop.status_code == 422 and 'id="parent_id-error"' in loop.text

    assert count(database, tenant, Framework) == frameworks_before
    assert count(database, tenant, FrameworkItem) == items_before
    assert items_of(database, tenant, sdg.id)["9"].parent_id is None
    assert audit_actions(database, tenant) == []


def test_a_viewer_sees_no_forms_and_cannot_post(
    client: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    login(client, make_user(database, (tenant, Role.VIEWER)))
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    item = items_of(database, tenant, sdg.id)["9"]
    base = f"/t/{tenant.slug}/frameworks"
    page = client.get(f"{base}/{sdg.id}/items/{item.id}")
    assert page.status_code == 200 and "Map indicator" not in page.text
    assert "New framework" not in client.get(base).text
    refused = client.post(f"{base}/{sdg.id}/items/{item.id}/delete", data=_form(client))
    assert refused.status_code == 403
    assert "9" in items_of(database, tenant, sdg.id)
