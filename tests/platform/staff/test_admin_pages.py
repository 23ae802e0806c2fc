"""Platform admins register municipalities, manage SayPro staff and assign consultants;
every assignment change is on the municipality's own trail."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func, select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.models import ConsultantAssignment, User
from saypro.platform.identity.permissions import Role, StaffRole
from saypro.platform.tenancy.models import Tenant
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef, make_staff, make_user
from tests.mail import Mailbox, link_in, text_of


def _post(client: TestClient[Any], path: str, form: dict[str, str]) -> Any:
    return client.post(
        path, data={"_csrf_token": csrf_token(client), **form}, follow_redirects=False
    )


def _trail(database: Database, tenant: TenantRef, action: str) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def _admin(client: TestClient[Any], database: Database) -> UserRef:
    admin = make_staff(database, StaffRole.PLATFORM_ADMIN, name="Platform Admin")
    login(client, admin)
    return admin


def test_a_platform_admin_registers_a_municipality_and_a_duplicate_code_is_refused(
    client: TestClient[Any], database: Database
) -> None:
    _admin(client, database)
    code = f"KZN{secrets.randbelow(900) + 100}"
    name = f"Msunduzi Local Municipality {secrets.token_hex(2)}"
    form = {"name": name, "demarcation_code": code, "province": "KZN", "category": "B"}
    created = _post(client, "/admin/tenants/", form)
    assert created.status_code == 302
    detail = client.get(created.headers["location"])
    assert name in detail.text and code in detail.text
    with database.sync_sessions() as session:
        new_id = session.scalar(select(Tenant.id).where(Tenant.demarcation_code == code))
    assert new_id is not None
    registered = _trail(database, TenantRef(new_id, "", name), "tenant.registered")
    assert [(e.after or {}).get("demarcation_code") for e in registered] == [code]
    assert registered[0].actor_name.endswith("(SayPro)")

    again = _post(client, "/admin/tenants/", {**form, "name": name + " again"})
    assert again.status_code == 409
    assert f"demarcation code {code} is already registered" in again.text
    bad = _post(client, "/admin/tenants/", {**form, "province": "XX", "demarcation_code": "Z"})
    assert bad.status_code == 422
    with database.sync_sessions() as session:
        assert session.scalar(select(func.count()).where(Tenant.demarcation_code == code)) == 1

    found = client.get("/admin/tenants/", params={"q": code})
    assert name in found.text


def test_assigning_and_ending_a_consultant_changes_access_at_once_and_is_audited(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    another_client: Any,
) -> None:
    _admin(client, database)
    consultant = make_staff(database, StaffRole.CONSULTANT, name="Naledi Khumalo")
    today = today_sast()
    path = f"/admin/tenants/{tenant_a.id}/consultants"
    with another_client() as laptop:
        login(laptop, consultant)
        assert laptop.get(f"/t/{tenant_a.slug}/").status_code == 404

        started = (today - timedelta(days=10)).isoformat()
        assigned = _post(
            client, path, {"user_id": str(consultant.id), "role": "lead", "starts_on": started}
        )
        assert assigned.status_code == 302
        assert laptop.get(f"/t/{tenant_a.slug}/").status_code == 200
        [event] = _trail(database, tenant_a, "consultants.assigned")
        assert event.entity_id == consultant.id
        assert event.after == {"role": "lead", "starts_on": started, "ends_on": None}

        ended = _post(client, f"{path}/{consultant.id}/end", {})
        assert ended.status_code == 302
        assert laptop.get(f"/t/{tenant_a.slug}/").status_code == 404
        [closing] = _trail(database, tenant_a, "consultants.assignment_ended")
        assert closing.after == {"ends_on": (today - timedelta(days=1)).isoformat()}
        assert "ended" in client.get(f"/admin/tenants/{tenant_a.id}").text


def test_an_assignment_is_refused_for_bad_dates_and_for_someone_not_a_consultant(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    _admin(client, database)
    consultant = make_staff(database, StaffRole.CONSULTANT)
    finance = make_staff(database, StaffRole.FINANCE)
    municipal = make_user(database, (tenant_a, Role.EDITOR))
    path = f"/admin/tenants/{tenant_a.id}/consultants"
    today = today_sast()
    backwards = _post(
        client,
        path,
        {
            "user_id": str(consultant.id),
            "role": "lead",
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert backwards.status_code == 409
    assert "must be on or after the start date" in backwards.text
    for person in (finance, municipal):
        refused = _post(
            client,
            path,
            {"user_id": str(person.id), "role": "support", "starts_on": today.isoformat()},
        )
        assert refused.status_code == 409
        assert "must be a SayPro consultant" in refused.text
    unknown_role = _post(
        client, path, {"user_id": str(consultant.id), "role": "boss", "starts_on": "2026-01-01"}
    )
    assert unknown_role.status_code == 422
    with database.sync_sessions() as session:
        count = session.scalar(
            select(func.count()).where(ConsultantAssignment.tenant_id == tenant_a.id)
        )
    assert count == 0
    assert _trail(database, tenant_a, "consultants.assigned") == []


def test_staff_are_added_and_their_roles_changed_but_never_the_last_admin(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
    another_client: Callable[[], TestClient[Any]],
) -> None:
    admin = _admin(client, database)
    address = f"new.consultant.{secrets.token_hex(3)}@saypro.example.org"
    added = _post(
        client,
        "/admin/staff/",
        {"email": address, "full_name": "Lerato Sithole", "role": "consultant"},
    )
    assert added.status_code == 200 and "was given an account" in added.text
    with database.sync_sessions() as session:
        new_user = session.scalars(select(User).where(User.email == address)).one()
    assert new_user.staff_role is StaffRole.CONSULTANT and new_user.password_hash is None
    # The new colleague chooses a password through the emailed link, then signs in.
    deliver_mail()
    welcome = mailbox.wait_for(address)
    assert "SayPro consultant" in text_of(welcome)
    link = link_in(welcome, "/password-reset/")
    with another_client() as newcomer:
        chosen = "a staff passphrase 2026"
        newcomer.get(link)
        set_password = newcomer.post(
            link,
            data={
                "_csrf_token": csrf_token(newcomer),
                "password": chosen,
                "confirm_password": chosen,
            },
            follow_redirects=False,
        )
        assert set_password.status_code == 302, set_password.text
        login(newcomer, UserRef(new_user.id, address), password=chosen)
        # Staff without a second factor are sent to set one up before anything else.
        assert newcomer.get("/portfolio", follow_redirects=False).status_code in (302, 303)

    twice = _post(client, "/admin/staff/", {"email": address, "role": "finance"})
    assert twice.status_code == 409 and "already SayPro staff" in twice.text

    # A consultant moved to finance loses their assignments the same moment.
    consultant = make_staff(database, StaffRole.CONSULTANT)
    today = today_sast()
    _post(
        client,
        f"/admin/tenants/{tenant_a.id}/consultants",
        {
            "user_id": str(consultant.id),
            "role": "lead",
            "starts_on": (today - timedelta(days=5)).isoformat(),
        },
    )
    moved = _post(client, f"/admin/staff/{consultant.id}/role", {"role": "finance"})
    assert moved.status_code == 302
    with database.sync_sessions() as session:
        assignment = session.get(ConsultantAssignment, (consultant.id, tenant_a.id))
    assert assignment is not None and assignment.ends_on == today - timedelta(days=1)
    [change] = _trail(database, tenant_a, "consultants.staff_role_changed")
    assert change.after == {"staff_role": "finance"}

    own = _post(client, f"/admin/staff/{admin.id}/role", {"role": "none"})
    assert own.status_code == 409 and "your own staff role" in own.text


def test_an_upcoming_assignment_ended_early_is_withdrawn(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    _admin(client, database)
    consultant = make_staff(database, StaffRole.CONSULTANT)
    path = f"/admin/tenants/{tenant_a.id}/consultants"
    starts = (today_sast() + timedelta(days=7)).isoformat()
    _post(client, path, {"user_id": str(consultant.id), "role": "support", "starts_on": starts})
    assert _post(client, f"{path}/{consultant.id}/end", {}).status_code == 302
    with database.sync_sessions() as session:
        assert session.get(ConsultantAssignment, (consultant.id, tenant_a.id)) is None
    [withdrawn] = _trail(database, tenant_a, "consultants.unassigned")
    assert withdrawn.before == {"role": "support", "starts_on": starts}
    again = _post(client, f"{path}/{consultant.id}/end", {})
    assert again.status_code == 404


def test_municipal_admins_cannot_reach_platform_administration(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    login(client, make_user(database, (tenant_a, Role.TENANT_ADMIN)))
    for path in ("/admin/tenants/", "/admin/staff/", "/portfolio", f"/admin/tenants/{tenant_a.id}"):
        assert client.get(path).status_code == 403, path
    refused = _post(client, "/admin/tenants/", {"name": "Sneaky", "demarcation_code": "WC999"})
    assert refused.status_code == 403


def test_a_platform_admin_suspends_closes_and_reopens_a_municipality(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    _admin(client, database)
    path = f"/admin/tenants/{tenant_a.id}/status"
    assert _post(client, path, {"action": "suspend"}).status_code == 302
    assert _post(client, path, {"action": "suspend"}).status_code == 409  # already
    assert _post(client, path, {"action": "reactivate"}).status_code == 302
    assert _post(client, path, {"action": "close"}).status_code == 302
    closed = client.get(f"/admin/tenants/{tenant_a.id}")
    assert "closed" in closed.text and "its data is deleted after" in closed.text
    refused = _post(client, path, {"action": "reactivate"})
    assert refused.status_code == 409 and "use reopen for a closed one" in refused.text
    assert _post(client, path, {"action": "delete-now"}).status_code == 422
    assert _post(client, path, {"action": "reopen"}).status_code == 302
    with database.sync_sessions() as session:
        tenant = session.get(Tenant, tenant_a.id)
        assert tenant is not None and tenant.status.value == "active"
        assert tenant.delete_after is None
    actions = [
        e.action
        for e in sorted(
            _trail(database, tenant_a, "tenant.suspended")
            + _trail(database, tenant_a, "tenant.reactivated")
            + _trail(database, tenant_a, "tenant.closed")
            + _trail(database, tenant_a, "tenant.reopened"),
            key=lambda e: e.seq,
        )
    ]
    assert actions == ["tenant.suspended", "tenant.reactivated", "tenant.closed", "tenant.reopened"]
    [closing] = _trail(database, tenant_a, "tenant.closed")
    assert closing.actor_name.endswith("(SayPro)")
