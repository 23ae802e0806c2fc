"""Reminder settings, managers for escalations and the completion figures through the
API and the pages: tenant admins change settings and managers, others may not; bad
input is refused with the field named and changes nothing; completion on a small
fixture with known answers; the department of an indicator and the list filters."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.tenants.kpis.completion import completion_sync
from saypro.tenants.kpis.models import (
    ActualState,
    ActualValue,
    Calculation,
    Indicator,
    PeriodLock,
)
from tests.conftest import login
from tests.factories import TenantRef, make_user
from tests.tenants.kpis.conftest import People, assign, make_indicator

DEFAULTS = {
    "enabled": True,
    "days_before": 7,
    "overdue_every": 7,
    "overdue_max": 4,
    "escalate_after": 14,
    "digest_weekday": "monday",
}


def api(tenant: TenantRef, path: str) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis/{path}"


def _audit(database: Database, tenant: TenantRef, action: str) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_settings_start_with_the_defaults_and_admins_change_them(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People
) -> None:
    login(client, people.admin)
    assert client.get(api(tenant_a, "reminders")).json() == DEFAULTS
    wanted = {**DEFAULTS, "days_before": 10, "overdue_max": 2, "digest_weekday": "friday"}
    saved = client.put(api(tenant_a, "reminders"), json=wanted)
    assert saved.status_code == 200, saved.text
    assert client.get(api(tenant_a, "reminders")).json() == wanted
    [event] = _audit(database, tenant_a, "kpis.reminders.updated")
    assert event.after is not None and event.after["digest_weekday"] == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"days_before": 0}, "days_before"),
        ({"days_before": 31}, "days_before"),  # longer than the reporting window
        ({"overdue_every": 0}, "overdue_every"),
        ({"overdue_max": 21}, "overdue_max"),
        ({"escalate_after": 366}, "escalate_after"),
        ({"digest_weekday": "someday"}, "digest_weekday"),
        ({"enabled": "perhaps"}, "enabled"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    people: People,
    change: dict[str, Any],
    field: str,
) -> None:
    login(client, people.admin)
    refused = client.put(api(tenant_a, "reminders"), json={**DEFAULTS, **change})
    assert refused.status_code == 422, refused.text
    assert field in refused.text
    assert client.get(api(tenant_a, "reminders")).json() == DEFAULTS
    assert _audit(database, tenant_a, "kpis.reminders.updated") == []


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR])
def test_only_tenant_admins_change_settings_and_managers(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People, role: Role
) -> None:
    someone = make_user(database, (tenant_a, role), name="Not an admin")
    login(client, someone)
    assert client.get(api(tenant_a, "reminders")).status_code == 200
    refused = client.put(api(tenant_a, "reminders"), json={**DEFAULTS, "enabled": False})
    assert refused.status_code == 403
    line = client.put(
        api(tenant_a, f"reporting-lines/{people.owner.id}"), json={"manager_id": str(someone.id)}
    )
    assert line.status_code == 403
    # Who reports to whom (every member, suspended ones too) is for tenant admins only.
    assert client.get(api(tenant_a, "reporting-lines")).status_code == 403
    page = client.get(f"/t/{tenant_a.slug}/kpis/reminders")
    assert page.status_code == 200 and "Only tenant admins change these settings" in page.text
    assert 'data-testid="reporting-lines"' not in page.text
    assert f'data-user="{people.owner.id}"' not in page.text
    form = client.post(f"/t/{tenant_a.slug}/kpis/reminders", data={"days_before": "3"})
    assert form.status_code == 403
    login(client, people.admin)
    assert client.get(api(tenant_a, "reminders")).json() == DEFAULTS


def test_admin_sets_and_clears_a_members_manager(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People
) -> None:
    login(client, people.admin)
    url = api(tenant_a, f"reporting-lines/{people.owner.id}")
    set_ = client.put(url, json={"manager_id": str(people.reviewer.id)})
    assert set_.status_code == 200, set_.text
    assert set_.json()["manager_name"] == "Reviewer"
    lines = {row["user_id"]: row for row in client.get(api(tenant_a, "reporting-lines")).json()}
    assert lines[str(people.owner.id)]["manager_id"] == str(people.reviewer.id)
    assert lines[str(people.admin.id)]["manager_id"] is None
    cleared = client.put(url, json={"manager_id": None})
    assert cleared.status_code == 200 and cleared.json()["manager_id"] is None
    actions = [e.after for e in _audit(database, tenant_a, "kpis.reporting_line.changed")]
    assert actions == [{"manager_id": str(people.reviewer.id)}, None]


def test_bad_managers_are_refused_with_the_reason(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    people: People,
) -> None:
    stranger = make_user(database, (tenant_b, Role.EDITOR), name="Of another municipality")
    login(client, people.admin)
    url = api(tenant_a, f"reporting-lines/{people.owner.id}")
    own = client.put(url, json={"manager_id": str(people.owner.id)})
    assert own.status_code == 422 and "their own manager" in own.json()["detail"]
    other = client.put(url, json={"manager_id": str(stranger.id)})
    assert other.status_code == 422
    assert "is not a member of this municipality" in other.json()["detail"]
    unknown = client.put(url, json={"manager_id": str(uuid.uuid4())})
    assert unknown.status_code == 422
    assert client.put(url, json={"manager_id": "boss"}).status_code == 422
    # A person of another municipality has no reporting line here at all.
    missing = api(tenant_a, f"reporting-lines/{stranger.id}")
    assert client.put(missing, json={"manager_id": str(people.admin.id)}).status_code == 404
    assert _audit(database, tenant_a, "kpis.reporting_line.changed") == []
    page = client.post(
        f"/t/{tenant_a.slug}/kpis/reminders/managers/{people.owner.id}",
        data={"manager_id": str(people.owner.id)},
    )
    assert page.status_code == 422
    assert "a member cannot be their own manager" in page.text


def test_settings_page_saves_and_shows_errors(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People
) -> None:
    login(client, people.admin)
    page = f"/t/{tenant_a.slug}/kpis/reminders"
    form = {
        "days_before": "5",
        "overdue_every": "3",
        "overdue_max": "2",
        "escalate_after": "10",
        "digest_weekday": "wednesday",
    }  # "enabled" unticked: reminders off
    saved = client.post(page, data=form, follow_redirects=False)
    assert saved.status_code in (302, 303), saved.text
    assert client.get(api(tenant_a, "reminders")).json() == {
        "enabled": False,
        "days_before": 5,
        "overdue_every": 3,
        "overdue_max": 2,
        "escalate_after": 10,
        "digest_weekday": "wednesday",
    }
    refused = client.post(page, data={**form, "enabled": "true", "escalate_after": "0"})
    assert refused.status_code == 422
    assert 'aria-describedby="escalate_after-error"' in refused.text
    assert client.get(api(tenant_a, "reminders")).json()["enabled"] is False
    manager = client.post(
        f"{page}/managers/{people.owner.id}",
        data={"manager_id": str(people.reviewer.id)},
        follow_redirects=False,
    )
    assert manager.status_code in (302, 303)
    assert "selected>Reviewer</option>" in client.get(page).text


# Completion --------------------------------------------------------------------------


def _actual(
    database: Database, tenant: TenantRef, indicator_id: uuid.UUID, period: int, state: ActualState
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        session.add(
            ActualValue(
                indicator_id=indicator_id,
                financial_year=2026,
                period=period,
                value=Decimal(1),
                state=state,
            )
        )


@pytest.fixture
def scored(database: Database, tenant_a: TenantRef, people: People) -> TenantRef:
    """Three quarterly indicators and one calculated one, on 15 January 2027 (Q1 due
    30 October: overdue; Q2 due 30 January: not yet):

    - A1 (owner, ICT): Q1 approved, Q2 submitted
    - A2 (owner, ICT): Q1 returned, Q2 nothing
    - B1 (other, Finance): Q1 draft, Q2 approved
    - F1 (formula): ignored
    """
    refs = {}
    for code, owner, department in (
        ("A1", people.owner, "ICT"),
        ("A2", people.owner, "ICT"),
        ("B1", people.other, "Finance"),
        ("F1", people.other, "Finance"),
    ):
        ref = make_indicator(database, tenant_a, code)
        assign(database, ref, owner, people.reviewer)
        with database.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant_a.id)
            values: dict[str, Any] = {"department": department}
            if code == "F1":
                values |= {"calculation": Calculation.FORMULA, "formula": "A1 + A2"}
            session.execute(
                update(Indicator).where(Indicator.id == ref.indicator_id).values(values)
            )
        refs[code] = ref.indicator_id
    _actual(database, tenant_a, refs["A1"], 1, ActualState.APPROVED)
    _actual(database, tenant_a, refs["A1"], 2, ActualState.SUBMITTED)
    _actual(database, tenant_a, refs["A2"], 1, ActualState.RETURNED)
    _actual(database, tenant_a, refs["B1"], 1, ActualState.DRAFT)
    _actual(database, tenant_a, refs["B1"], 2, ActualState.APPROVED)
    return tenant_a


def _figures(row: Any) -> tuple[int, int, int, int]:
    return (row.expected, row.reported, row.approved, row.overdue)


def test_completion_figures_on_a_known_fixture(
    database: Database, scored: TenantRef, people: People
) -> None:
    day = date(2027, 1, 15)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, scored.id)
        year = completion_sync(session, scored.id, 2026, None, day)
        q1 = completion_sync(session, scored.id, 2026, 1, day)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, scored.id)
        session.add(PeriodLock(financial_year=2026, quarter=1, locked=True, unlock_reason=""))
    with database.sync_sessions() as session:
        bind_tenant_sync(session, scored.id)
        locked = completion_sync(session, scored.id, 2026, 1, day)
    assert _figures(year.total) == (6, 3, 2, 2)
    assert year.total.reported_percent == Decimal("50.0")
    assert year.total.approved_percent == Decimal("33.3")
    assert year.total.overdue_percent == Decimal("33.3")
    assert [(r.label, _figures(r)) for r in year.by_quarter] == [
        ("Q1", (3, 1, 1, 2)),
        ("Q2", (3, 2, 1, 0)),
    ]
    owners = {r.label: _figures(r) for r in year.by_owner}
    assert owners == {"Owner": (4, 2, 1, 1), "Other": (2, 1, 1, 1)}
    assert {r.label: _figures(r) for r in year.by_department} == {
        "Finance": (2, 1, 1, 1),
        "ICT": (4, 2, 1, 1),
    }
    assert _figures(q1.total) == (3, 1, 1, 2)
    assert _figures(locked.total) == (3, 1, 1, 0)  # locked quarters are not overdue


def test_completion_api_and_page(
    client: TestClient[Any], database: Database, scored: TenantRef, people: People
) -> None:
    viewer = make_user(database, (scored, Role.VIEWER), name="Viewer")
    login(client, viewer)
    answer = client.get(api(scored, "completion"), params={"financial_year": 2026, "quarter": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["financial_year"], body["quarter"], body["total"]["expected"]) == (2026, 1, 3)
    assert body["total"]["reported"] == 1
    assert client.get(api(scored, "completion"), params={"quarter": 5}).status_code in (400, 422)
    assert client.get(api(scored, "completion"), params={"financial_year": 1999}).status_code in (
        400,
        422,
    )
    page = client.get(f"/t/{scored.slug}/kpis/completion", params={"year": 2026})
    assert page.status_code == 200
    owner_link = f'/t/{scored.slug}/kpis/indicators?owner_id={people.owner.id}"'
    assert owner_link in page.text
    assert 'data-testid="completion-chart"' in page.text
    listed = client.get(
        f"/t/{scored.slug}/kpis/indicators", params={"owner_id": str(people.owner.id)}
    )
    assert listed.status_code == 200
    assert ">A1<" in listed.text and ">A2<" in listed.text and ">B1<" not in listed.text


def test_department_on_indicators_and_the_list_filter(
    client: TestClient[Any], database: Database, scored: TenantRef, people: People
) -> None:
    login(client, people.admin)
    created = client.post(
        api(scored, "indicators"),
        json={"code": "C1", "name": "Corporate indicator", "department": "Corporate Services"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["department"] == "Corporate Services"
    too_long = client.post(
        api(scored, "indicators"), json={"code": "C2", "name": "Too long", "department": "x" * 101}
    )
    assert too_long.status_code == 422 and "department" in too_long.text
    finance = client.get(api(scored, "indicators"), params={"department": "finance"}).json()
    assert [row["code"] for row in finance["items"]] == ["B1", "F1"]
    changed = client.patch(
        api(scored, f"indicators/{created.json()['id']}"), json={"department": "ICT"}
    )
    assert changed.json()["department"] == "ICT"
    page = client.get(f"/t/{scored.slug}/kpis/indicators", params={"department": "ICT"})
    assert ">A1<" in page.text and ">C1<" in page.text and ">B1<" not in page.text
