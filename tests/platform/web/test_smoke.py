from typing import Any

from litestar.testing import TestClient

from tests.factories import TenantRef


def test_signed_in_editor_sees_the_objectives_list(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    response = client_a.get(f"/t/{tenant_a.slug}/objectives/")
    assert response.status_code == 200, response.text
    assert "Strategic objectives" in response.text


def test_api_create_then_get(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    created = client_a.post(
        f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "SO9", "title": "Smart city pilots"}
    )
    assert created.status_code == 201, created.text
    got = client_a.get(f"/api/v1/t/{tenant_a.slug}/objectives/{created.json()['id']}")
    assert got.json()["title"] == "Smart city pilots"
