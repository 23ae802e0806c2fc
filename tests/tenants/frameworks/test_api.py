"""The frameworks JSON API: frameworks and items, one indicator mapped into several
frameworks, the report of what feeds an item (its sub-items included), the rules on
deleting, bad input, permissions and the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.tenants.frameworks.models import Framework, FrameworkItem, FrameworkKind, Mapping
from tests.conftest import login
from tests.factories import TenantRef, UserRef, make_tenant, make_user
from tests.tenants.frameworks.conftest import (
    audit_actions,
    count,
    frameworks_of,
    items_of,
    make_framework,
)
from tests.tenants.kpis.conftest import make_indicator


@pytest.fixture
def tenant(database: Database) -> TenantRef:
    return make_tenant(database, seed=True)


@pytest.fixture
def editor(database: Database, tenant: TenantRef) -> UserRef:
    return make_user(database, (tenant, Role.EDITOR))


@pytest.fixture
def api(client: TestClient[Any], editor: UserRef) -> TestClient[Any]:
    login(client, editor)
    return client


def _base(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/frameworks"


def _map(
    api: TestClient[Any], tenant: TenantRef, framework: Framework, item: Any, indicator: uuid.UUID
) -> Any:
    return api.post(
        f"{_base(tenant)}/{framework.id}/items/{item.id}/indicators",
        json={"indicator_id": str(indicator)},
    )


def test_lists_the_seeded_frameworks_and_a_tree(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    listed = api.get(_base(tenant)).json()
    kinds = [f["kind"] for f in listed]
    assert kinds[:3] == ["sdg", "back_to_basics", "circular_88"]
    sdg = next(f for f in listed if f["kind"] == "sdg")
    assert sdg["reference"] is True and sdg["item_count"] > 17
    detail = api.get(f"{_base(tenant)}/{sdg['id']}").json()
    codes = [i["code"] for i in detail["items"]]
    # Goals in number order, each followed by its targets (9.2 before 9.10-style codes).
    assert codes.index("9") < codes.index("9.1") < codes.index("9.c") < codes.index("10")
    assert codes.index("16.9") < codes.index("16.10")
    assert next(i for i in detail["items"] if i["code"] == "9.c")["depth"] == 1


def test_one_indicator_feeds_several_frameworks(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    indicator = make_indicator(database, tenant, "FW1").indicator_id
    frameworks = frameworks_of(database, tenant)
    sdg = frameworks[FrameworkKind.SDG]
    b2b = frameworks[FrameworkKind.BACK_TO_BASICS]
    c88 = frameworks[FrameworkKind.CIRCULAR_88]
    for framework, code in ((sdg, "9.c"), (b2b, "B2B3"), (c88, "GG6.1")):
        item = items_of(database, tenant, framework.id)[code]
        response = _map(api, tenant, framework, item, indicator)
        assert response.status_code == 201, response.text
        assert [i["code"] for i in response.json()["indicators"]] == ["FW1"]
    # Mapping again changes nothing and is not recorded twice.
    item = items_of(database, tenant, sdg.id)["9.c"]
    assert _map(api, tenant, sdg, item, indicator).status_code == 201
    assert count(database, tenant, Mapping) == 3
    feeds = api.get(f"{_base(tenant)}/indicators/{indicator}").json()
    assert sorted((f["kind"], f["code"]) for f in feeds) == [
        ("back_to_basics", "B2B3"),
        ("circular_88", "GG6.1"),
        ("sdg", "9.c"),
    ]
    assert audit_actions(database, tenant).count("frameworks.mapping.created") == 3


def test_the_report_includes_the_indicators_of_sub_items(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    items = items_of(database, tenant, sdg.id)
    first = make_indicator(database, tenant, "FW1").indicator_id
    second = make_indicator(database, tenant, "FW2").indicator_id
    other = make_indicator(database, tenant, "FW3").indicator_id
    assert _map(api, tenant, sdg, items["9"], first).status_code == 201
    assert _map(api, tenant, sdg, items["9.c"], second).status_code == 201
    assert _map(api, tenant, sdg, items["9.c"], first).status_code == 201
    assert _map(api, tenant, sdg, items["16.6"], other).status_code == 201

    report = api.get(
        f"{_base(tenant)}/{sdg.id}/items/{items['9'].id}/report",
        params={"financial_year": 2026, "quarter": 2},
    ).json()
    assert report["financial_year_label"] == "2026/27" and report["quarter"] == 2
    rows = {r["indicator"]["code"]: r for r in report["rows"]}
    assert set(rows) == {"FW1", "FW2"}
    assert rows["FW1"]["items"] == ["9", "9.c"]
    # Year to date at Q2 of the KPI module's targets (100 a quarter, cumulative).
    assert float(rows["FW2"]["target"]) == 200 and rows["FW2"]["actual"] is None
    assert rows["FW2"]["status"]["key"]

    only_target = api.get(f"{_base(tenant)}/{sdg.id}/items/{items['9.c'].id}/report").json()
    assert {r["indicator"]["code"] for r in only_target["rows"]} == {"FW1", "FW2"}
    whole = api.get(f"{_base(tenant)}/{sdg.id}/report").json()
    assert {r["indicator"]["code"] for r in whole["rows"]} == {"FW1", "FW2", "FW3"}


def test_a_municipality_defines_its_own_framework_and_items(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    created = api.post(
        _base(tenant), json={"kind": "donor_logframe", "name": "Broadband grant logframe"}
    )
    assert created.status_code == 201, created.text
    framework_id = created.json()["id"]
    outcome = api.post(
        f"{_base(tenant)}/{framework_id}/items", json={"code": "OC1", "title": "Connected wards"}
    ).json()
    output = api.post(
        f"{_base(tenant)}/{framework_id}/items",
        json={"code": "OP1.1", "title": "Wi-Fi hotspots", "parent_id": outcome["id"]},
    )
    assert output.status_code == 201 and output.json()["parent_id"] == outcome["id"]
    renamed = api.patch(
        f"{_base(tenant)}/{framework_id}/items/{outcome['id']}", json={"title": "Wards online"}
    )
    assert renamed.json()["title"] == "Wards online"
    # Circular 88: more codes are added through the same API.
    c88 = frameworks_of(database, tenant)[FrameworkKind.CIRCULAR_88]
    group = items_of(database, tenant, c88.id)["GG"]
    added = api.post(
        f"{_base(tenant)}/{c88.id}/items",
        json={"code": "GG1.2", "title": "Top management stability", "parent_id": str(group.id)},
    )
    assert added.status_code == 201
    assert audit_actions(database, tenant) == [
        "frameworks.framework.created",
        "frameworks.item.created",
        "frameworks.item.created",
        "frameworks.item.updated",
        "frameworks.item.created",
    ]


def test_bad_input_names_the_field_and_writes_nothing(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    logframe = make_framework(database, tenant)
    items_before = count(database, tenant, FrameworkItem)
    frameworks_before = count(database, tenant, Framework)
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("post", _base(tenant), {"kind": "sdg", "name": "Second SDG list"}, 422, "kind"),
        ("post", _base(tenant), {"kind": "idp", "name": "IDP objectives"}, 409, "name"),
        ("post", _base(tenant), {"kind": "unknown", "name": "Something"}, 422, "kind"),
        ("post", f"{_base(tenant)}/{sdg.id}/items", {"code": "9.C", "title": "Clash"}, 409, "code"),
        (
            "post",
            f"{_base(tenant)}/{sdg.id}/items",
            {"code": "bad code", "title": "X"},
            422,
            "code",
        ),
        (
            "post",
            f"{_base(tenant)}/{sdg.id}/items",
            {"code": "99", "title": "Elsewhere", "parent_id": str(logframe.item_id)},
            422,
            "parent_id",
        ),
        (
            "patch",
            f"{_base(tenant)}/{logframe.framework_id}/items/{logframe.item_id}",
            {"parent_id": str(logframe.child_id)},
            422,
            "parent_id",
        ),
        (
            "post",
            f"{_base(tenant)}/{logframe.framework_id}/items/{logframe.item_id}/indicators",
            {"indicator_id": str(uuid.uuid4())},
            422,
            "indicator_id",
        ),
    ]
    for method, url, body, status, field in cases:
        response = api.request(method.upper(), url, json=body)
        assert response.status_code == status, (url, body, response.text)
        assert field in response.text, (field, response.text)
    assert count(database, tenant, FrameworkItem) == items_before
    assert count(database, tenant, Framework) == frameworks_before
    assert count(database, tenant, Mapping) == 0
    assert audit_actions(database, tenant) == []


def test_a_mapped_reference_item_stays_until_unmapped(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    items = items_of(database, tenant, sdg.id)
    indicator = make_indicator(database, tenant, "FW1").indicator_id
    assert _map(api, tenant, sdg, items["9.c"], indicator).status_code == 201
    # Neither the target nor its goal may go while the target is mapped.
    for code in ("9.c", "9"):
        refused = api.delete(f"{_base(tenant)}/{sdg.id}/items/{items[code].id}")
        assert refused.status_code == 409 and "unmap" in refused.json()["detail"]
    assert api.delete(f"{_base(tenant)}/{sdg.id}").status_code == 409
    unmapped = api.delete(
        f"{_base(tenant)}/{sdg.id}/items/{items['9.c'].id}/indicators/{indicator}"
    )
    assert unmapped.status_code == 204
    assert api.delete(f"{_base(tenant)}/{sdg.id}/items/{items['9.c'].id}").status_code == 204
    assert "9.c" not in items_of(database, tenant, sdg.id)


def test_deleting_a_custom_item_removes_its_mappings_on_the_record(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    indicator = make_indicator(database, tenant, "FW1").indicator_id
    logframe = make_framework(database, tenant, indicator_id=indicator)
    deleted = api.delete(f"{_base(tenant)}/{logframe.framework_id}/items/{logframe.item_id}")
    assert deleted.status_code == 204
    assert items_of(database, tenant, logframe.framework_id) == {}
    assert count(database, tenant, Mapping) == 0
    assert audit_actions(database, tenant) == [
        "frameworks.mapping.deleted",
        "frameworks.item.deleted",
        "frameworks.item.deleted",
    ]


def test_a_viewer_reads_but_does_not_write(
    client: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    login(client, make_user(database, (tenant, Role.VIEWER)))
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    assert client.get(_base(tenant)).status_code == 200
    assert client.get(f"{_base(tenant)}/{sdg.id}/report").status_code == 200
    refused = client.post(_base(tenant), json={"kind": "custom", "name": "Viewer's list"})
    assert refused.status_code == 403
    item = items_of(database, tenant, sdg.id)["9"]
    assert client.delete(f"{_base(tenant)}/{sdg.id}/items/{item.id}").status_code == 403
    assert audit_actions(database, tenant) == []


def test_another_municipalitys_framework_is_not_found(
    client: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    other = make_tenant(database, seed=True)
    login(client, make_user(database, (other, Role.EDITOR)))
    sdg = frameworks_of(database, tenant)[FrameworkKind.SDG]
    item = items_of(database, tenant, sdg.id)["9"]
    indicator = make_indicator(database, tenant, "FW1").indicator_id
    for method, path in (
        ("GET", f"/{sdg.id}"),
        ("GET", f"/{sdg.id}/report"),
        ("GET", f"/{sdg.id}/items/{item.id}"),
        ("DELETE", f"/{sdg.id}/items/{item.id}"),
        ("GET", f"/indicators/{indicator}"),
    ):
        assert client.request(method, _base(other) + path).status_code == 404, path
    # Their own item with A's indicator: A's indicator does not exist for them.
    mine = frameworks_of(database, other)[FrameworkKind.SDG]
    my_item = items_of(database, other, mine.id)["9"]
    refused = _map(client, other, mine, my_item, indicator)
    assert refused.status_code == 422 and "indicator_id" in refused.text
    assert count(database, other, Mapping) == 0 and count(database, tenant, Mapping) == 0


def test_rename_and_delete_a_municipalitys_framework_on_the_record(
    api: TestClient[Any], tenant: TenantRef, database: Database
) -> None:
    indicator = make_indicator(database, tenant, "FW1").indicator_id
    logframe = make_framework(database, tenant, indicator_id=indicator)
    url = f"{_base(tenant)}/{logframe.framework_id}"
    renamed = api.patch(url, json={"name": "Broadband grant logframe"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Broadband grant logframe"
    clash = api.patch(url, json={"name": "idp OBJECTIVES"})
    assert clash.status_code == 409 and "name" in clash.text
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert count(database, tenant, Mapping) == 0
    assert audit_actions(database, tenant) == [
        "frameworks.framework.updated",
        "frameworks.mapping.deleted",
        "frameworks.framework.deleted",
    ]
