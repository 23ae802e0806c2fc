"""The objectives JSON API: CRUD, filters, pagination, validation and the roll-up job."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.tenants.strategy.service import RECOMPUTE_JOB
from tests.factories import TenantRef, make_user


def _base(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/objectives"


def _run_pending_jobs(database: Database, tenant: TenantRef) -> int:
    """Run this tenant's outbox jobs in-process (the relay and worker are tested elsewhere)."""
    with database.sync_sessions() as session, session.begin():
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.tenant_id == tenant.id, OutboxMessage.sent_at.is_(None)
            )
        ).all()
        pending = [(row.actor_name, dict(row.kwargs)) for row in rows]
        for row in rows:
            session.delete(row)
    for name, kwargs in pending:
        run_job(database, get_job(name), str(tenant.id), kwargs)
    return len(pending)


def test_create_get_update_delete(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    created = client_a.post(
        _base(tenant_a),
        json={
            "code": "SO1",
            "title": "Strengthen Municipal Digital Infrastructure",
            "start_date": "2026-07-01",
            "target_date": "2027-06-30",
            "status": "on_track",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (
        body["progress"] is None and body["initiatives"] == [] and body["progress_pending"] is False
    )
    objective_url = f"{_base(tenant_a)}/{body['id']}"
    assert (
        client_a.get(objective_url).json()["title"] == "Strengthen Municipal Digital Infrastructure"
    )
    changed = client_a.patch(
        objective_url, json={"status": "at_risk", "description": "Fibre delayed"}
    )
    assert changed.status_code == 200
    assert (changed.json()["status"], changed.json()["description"]) == ("at_risk", "Fibre delayed")
    assert changed.json()["code"] == "SO1"
    assert client_a.delete(objective_url).status_code == 204
    assert client_a.get(objective_url).status_code == 404


def test_initiatives_roll_up_through_the_job(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    objective = client_a.post(
        _base(tenant_a), json={"code": "SO3", "title": "Promote data-driven decisions"}
    ).json()
    url = f"{_base(tenant_a)}/{objective['id']}"
    first = client_a.post(
        f"{url}/initiatives",
        json={
            "title": "KPI dashboard",
            "weight": "3",
            "percent_complete": "40",
            "phase": "implementation",
        },
    )
    second = client_a.post(
        f"{url}/initiatives",
        json={"title": "Data quality review", "weight": "1", "percent_complete": "100"},
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["phase"] == "implementation"
    pending = client_a.get(url).json()
    assert pending["progress_pending"] is True and pending["progress"] is None
    assert _run_pending_jobs(database, tenant_a) == 2
    done = client_a.get(url).json()
    assert (done["progress"], done["progress_pending"]) == ("55.00", False)
    client_a.patch(f"{url}/initiatives/{second.json()['id']}", json={"status": "cancelled"})
    _run_pending_jobs(database, tenant_a)
    assert client_a.get(url).json()["progress"] == "40.00"
    client_a.delete(f"{url}/initiatives/{first.json()['id']}")
    _run_pending_jobs(database, tenant_a)
    assert client_a.get(url).json()["progress"] is None


def test_list_paginates_and_filters(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    for number in range(1, 8):
        status = "at_risk" if number % 3 == 0 else "on_track"
        client_a.post(
            _base(tenant_a),
            json={"code": f"SO{number}", "title": f"Objective number {number}", "status": status},
        )
    page = client_a.get(_base(tenant_a), params={"limit": 3, "offset": 3}).json()
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 3)
    assert [item["code"] for item in page["items"]] == ["SO4", "SO5", "SO6"]
    at_risk = client_a.get(_base(tenant_a), params={"status": "at_risk"}).json()
    assert [item["code"] for item in at_risk["items"]] == ["SO3", "SO6"]
    search = client_a.get(_base(tenant_a), params={"q": "number 7"}).json()
    assert [item["code"] for item in search["items"]] == ["SO7"]
    assert client_a.get(_base(tenant_a), params={"q": "%"}).json()["total"] == 0
    too_many = client_a.get(_base(tenant_a), params={"limit": 500})
    assert too_many.status_code == 422
    assert [e["field"] for e in too_many.json()["errors"]] == ["limit"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "", "title": "Valid title"}, "code"),
        ({"code": "bad code!", "title": "Valid title"}, "code"),
        ({"code": "SO1", "title": "x"}, "title"),
        ({"code": "SO1", "title": "Valid title", "status": "finished"}, "status"),
        (
            {
                "code": "SO1",
                "title": "Valid title",
                "start_date": "2027-01-01",
                "target_date": "2026-01-01",
            },
            "target_date",
        ),
        ({"code": "SO1", "title": "Valid title", "owner_id": "not-a-uuid"}, "owner_id"),
        ({"code": "SO1", "title": "Valid title", "colour": "red"}, "colour"),
    ],
)
def test_invalid_objectives_are_refused_naming_the_field(
    client_a: TestClient[Any], tenant_a: TenantRef, payload: dict[str, Any], field: str
) -> None:
    response = client_a.post(_base(tenant_a), json=payload)
    assert response.status_code in (400, 422), response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert client_a.get(_base(tenant_a)).json()["total"] == 0


def test_duplicate_code_is_a_conflict_on_code(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    assert client_a.post(_base(tenant_a), json={"code": "SO1", "title": "First"}).status_code == 201
    duplicate = client_a.post(_base(tenant_a), json={"code": "so1", "title": "Second"})
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"] == [
        {"field": "code", "message": "so1 is already used by another objective"}
    ]
    assert client_a.get(_base(tenant_a)).json()["total"] == 1


def test_the_same_code_may_exist_in_another_municipality(
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    database: Database,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    other = another_client()
    with other:
        from tests.conftest import login

        login(other, make_user(database, (tenant_b, Role.EDITOR)))
        assert (
            other.post(_base(tenant_b), json={"code": "SO1", "title": "Beta's"}).status_code == 201
        )
    assert (
        client_a.post(_base(tenant_a), json={"code": "SO1", "title": "Alpha's"}).status_code == 201
    )


def test_owner_must_be_a_member_of_the_municipality(
    client_a: TestClient[Any], tenant_a: TenantRef, tenant_b: TenantRef, database: Database
) -> None:
    outsider = make_user(database, (tenant_b, Role.EDITOR))
    member = make_user(database, (tenant_a, Role.CONTRIBUTOR))
    refused = client_a.post(
        _base(tenant_a), json={"code": "SO1", "title": "Owned", "owner_id": str(outsider.id)}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "owner_id"
    accepted = client_a.post(
        _base(tenant_a), json={"code": "SO1", "title": "Owned", "owner_id": str(member.id)}
    )
    assert accepted.json()["owner_id"] == str(member.id)


def test_invalid_initiative_writes_nothing_and_requests_no_job(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    objective = client_a.post(
        _base(tenant_a), json={"code": "SO4", "title": "Citizen engagement"}
    ).json()
    url = f"{_base(tenant_a)}/{objective['id']}/initiatives"
    for payload, field in [
        ({"title": "App", "weight": "0"}, "weight"),
        ({"title": "App", "percent_complete": "101"}, "percent_complete"),
        ({"title": "App", "phase": "phase five"}, "phase"),
        ({"title": "App", "owner_id": str(uuid.uuid4())}, "owner_id"),
    ]:
        response = client_a.post(url, json=payload)
        assert response.status_code in (400, 422)
        assert field in [e["field"] for e in response.json()["errors"]]
    assert client_a.get(f"{_base(tenant_a)}/{objective['id']}").json()["initiatives"] == []
    assert _run_pending_jobs(database, tenant_a) == 0


def test_recompute_job_for_a_deleted_objective_is_a_no_op(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    objective = client_a.post(
        _base(tenant_a), json={"code": "SO5", "title": "Collaboration"}
    ).json()
    client_a.delete(f"{_base(tenant_a)}/{objective['id']}")
    run_job(database, get_job(RECOMPUTE_JOB), str(tenant_a.id), {"objective_id": objective["id"]})
    assert client_a.get(f"{_base(tenant_a)}/{objective['id']}").status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "payload", "params", "field"),
    [
        ("post", "", {"code": "SO1", "title": "Nul\u0000byte"}, None, "title"),
        (
            "post",
            "",
            {"code": "SO1", "title": "Valid title", "description": "a\u0000b"},
            None,
            "description",
        ),
        ("get", "", None, {"q": "a\u0000b"}, "q"),
        ("get", "", None, {"offset": str(10**19)}, "offset"),
        ("patch", "/{id}", {"description": None}, None, "description"),
        ("patch", "/{id}", {"title": None}, None, "title"),
        ("patch", "/{id}", {"status": None}, None, "status"),
    ],
)
def test_hostile_input_is_a_4xx_naming_the_field(
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    method: str,
    suffix: str,
    payload: dict[str, Any] | None,
    params: dict[str, str] | None,
    field: str,
) -> None:
    objective = client_a.post(
        _base(tenant_a), json={"code": "SO8", "title": "Keep me as I am"}
    ).json()
    url = _base(tenant_a) + suffix.replace("{id}", objective["id"])
    response = client_a.request(method.upper(), url, json=payload, params=params)
    assert response.status_code in (400, 422), response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    kept = client_a.get(f"{_base(tenant_a)}/{objective['id']}").json()
    assert (kept["title"], kept["description"], kept["status"]) == (
        "Keep me as I am",
        "",
        "not_started",
    )
    assert client_a.get(_base(tenant_a)).json()["total"] == 1


def test_clearing_optional_fields_with_null_is_allowed(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    created = client_a.post(
        _base(tenant_a),
        json={
            "code": "SO9",
            "title": "Dated",
            "start_date": "2026-07-01",
            "target_date": "2027-06-30",
        },
    ).json()
    cleared = client_a.patch(
        f"{_base(tenant_a)}/{created['id']}", json={"target_date": None, "owner_id": None}
    )
    assert cleared.status_code == 200
    assert (cleared.json()["target_date"], cleared.json()["start_date"]) == (None, "2026-07-01")


def test_a_code_taken_concurrently_is_a_conflict_not_a_500(
    client_a: TestClient[Any], tenant_a: TenantRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    from saypro.tenants.strategy.repository import ObjectiveRepository

    assert client_a.post(_base(tenant_a), json={"code": "SO1", "title": "First"}).status_code == 201

    async def not_taken(*_args: object, **_kwargs: object) -> bool:
        return False  # as if the other request committed after our check

    monkeypatch.setattr(ObjectiveRepository, "taken", not_taken)
    duplicate = client_a.post(_base(tenant_a), json={"code": "so1", "title": "Second, racing"})
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "code"
    assert client_a.get(_base(tenant_a)).json()["total"] == 1


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_a_suspended_or_closed_municipality_is_read_only(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, status: str
) -> None:
    from sqlalchemy import update

    from saypro.platform.tenancy.models import Tenant, TenantStatus

    objective = client_a.post(
        _base(tenant_a), json={"code": "SO1", "title": "Before the suspension"}
    ).json()
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(Tenant).where(Tenant.id == tenant_a.id).values(status=TenantStatus(status))
        )
    assert client_a.get(f"{_base(tenant_a)}/{objective['id']}").status_code == 200
    refused = client_a.patch(
        f"{_base(tenant_a)}/{objective['id']}", json={"title": "Changed while locked"}
    )
    assert refused.status_code == 403
    assert (
        f"is {status}" in refused.json()["detail"]
        and "read but not changed" in refused.json()["detail"]
    )
    assert (
        client_a.post(
            _base(tenant_a), json={"code": "SO2", "title": "New while locked"}
        ).status_code
        == 403
    )
    page = client_a.get(f"/t/{tenant_a.slug}/objectives/{objective['id']}")
    assert 'data-testid="read-only-banner"' in page.text
    assert "Add an initiative" not in page.text
    assert (
        client_a.get(f"{_base(tenant_a)}/{objective['id']}").json()["title"]
        == "Before the suspension"
    )
