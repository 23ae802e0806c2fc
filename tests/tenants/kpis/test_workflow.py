"""Reporting actuals through the API: draft → submitted → approved or returned, who may
take each step (owners, reviewers, tenant admins; never one's own approval), amber and
red needing a reason and a measure, locked quarters, evidence files, "my updates", and
an audit row for every step."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import ConsultantRole, Role, StaffRole
from saypro.platform.settings import get_settings
from saypro.tenants.kpis.models import Evidence
from saypro.tenants.kpis.periods import FinancialYear, Frequency, periods
from tests.conftest import login
from tests.factories import TenantRef, UserRef, assign_consultant, make_staff, make_user
from tests.tenants.kpis.conftest import (
    IndicatorRef,
    People,
    _actions,
    _state,
    assign,
    make_indicator,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _url(ref: IndicatorRef, period: int = 1, year: int = 2026) -> str:
    return f"/api/v1/t/{ref.tenant.slug}/kpis/indicators/{ref.indicator_id}/actuals/{year}/{period}"


def test_draft_submit_approve_return_and_report_again(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    url = _url(owned)
    login(client, people.owner)
    year = client.put(url, json={"value": "100", "note": "All sites up"})
    assert year.status_code == 200, year.text
    assert year.json()["periods"][0]["status"]["colour"] == "green"
    draft = client.get(url).json()
    assert (draft["state"], draft["note"], draft["reported_by"]) == (
        "draft",
        "All sites up",
        str(people.owner.id),
    )
    submitted = client.post(f"{url}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted"
    assert submitted.json()["submitted_by"] == str(people.owner.id)
    # Submitted: nothing changes until the reviewer decides.
    assert client.put(url, json={"value": "90"}).status_code == 409
    assert client.post(f"{url}/submit").status_code == 409

    login(client, people.reviewer)
    approved = client.post(f"{url}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert approved.json()["approved_by"] == str(people.reviewer.id)
    again = client.put(url, json={"value": "90"})
    assert again.status_code == 409 and "read-only" in again.json()["detail"]
    returned = client.post(f"{url}/return", json={"comment": "Attach the monitoring report"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["state"], body["reviewer_comment"], body["returned_by"]) == (
        "returned",
        "Attach the monitoring report",
        str(people.reviewer.id),
    )

    login(client, people.owner)
    assert client.put(url, json={"value": "100", "note": "Report attached"}).status_code == 200
    assert client.get(url).json()["state"] == "returned"  # until it is submitted again
    assert client.post(f"{url}/submit").json()["state"] == "submitted"
    assert _actions(database, owned.tenant) == [
        "kpis.actual.recorded",
        "kpis.actual.submitted",
        "kpis.actual.approved",
        "kpis.actual.returned",
        "kpis.actual.recorded",
        "kpis.actual.submitted",
    ]


def test_refused_transitions_change_nothing(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    url = _url(owned)
    login(client, people.reviewer)
    # Nothing reported yet: nothing to read, submit, approve or return.
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/submit").status_code == 409
    assert client.post(f"{url}/approve").status_code == 409
    login(client, people.owner)
    client.put(url, json={"value": "100"})
    login(client, people.reviewer)
    draft_approval = client.post(f"{url}/approve")
    assert draft_approval.status_code == 409 and "draft" in draft_approval.json()["detail"]
    assert client.post(f"{url}/return", json={"comment": "No"}).status_code == 409
    login(client, people.owner)
    client.post(f"{url}/submit")
    # The owner is not the reviewer; another contributor neither.
    for user in (people.owner, people.other):
        login(client, user)
        refused = client.post(f"{url}/approve")
        assert refused.status_code == 403, refused.text
        assert "reviewer" in refused.json()["detail"]
    login(client, people.reviewer)
    blank = client.post(f"{url}/return", json={"comment": "  "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "comment"
    # Period 9 of a quarterly indicator does not exist.
    assert client.post(f"{_url(owned, 9)}/approve").status_code == 422
    assert _state(database, owned) == "submitted"
    assert _actions(database, owned.tenant) == ["kpis.actual.recorded", "kpis.actual.submitted"]


def test_contributors_report_only_what_they_own(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People
) -> None:
    theirs = make_indicator(database, tenant_a, "ICT9")
    assign(database, theirs, people.other, people.reviewer)
    login(client, people.owner)
    refused = client.put(_url(theirs), json={"value": "100"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "indicator: you may report only the indicators you own"
    viewer = make_user(database, (tenant_a, Role.VIEWER))
    login(client, viewer)
    assert client.put(_url(theirs), json={"value": "100"}).status_code == 403
    # Editors and assigned consultants report any indicator.
    login(client, people.reviewer)
    assert client.put(_url(theirs), json={"value": "100"}).status_code == 200
    consultant = make_staff(database, StaffRole.CONSULTANT)
    assign_consultant(database, consultant, tenant_a, ConsultantRole.SUPPORT)
    login(client, consultant)
    assert client.put(_url(theirs, 2), json={"value": "100"}).status_code == 200
    assert client.post(f"{_url(theirs, 2)}/submit").json()["submitted_by"] == str(consultant.id)
    assert _actions(database, tenant_a) == [
        "kpis.actual.recorded",
        "kpis.actual.recorded",
        "kpis.actual.submitted",
    ]


def test_nobody_approves_their_own_submission(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    url = _url(owned)
    login(client, people.reviewer)  # the reviewer is an editor: may report too
    client.put(url, json={"value": "100"})
    client.post(f"{url}/submit")
    own = client.post(f"{url}/approve")
    assert own.status_code == 403
    assert own.json()["detail"] == "state: nobody approves their own submission"
    login(client, people.admin)  # a tenant admin reviews any indicator
    assert client.post(f"{url}/approve").json()["state"] == "approved"
    assert _actions(database, owned.tenant)[-1] == "kpis.actual.approved"


def test_amber_or_red_needs_a_reason_and_a_corrective_measure(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    url = _url(owned)
    login(client, people.owner)
    year = client.put(url, json={"value": "60"}).json()
    assert year["periods"][0]["status"]["colour"] == "red"
    no_reason = client.post(f"{url}/submit")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "deviation_reason"
    client.put(url, json={"value": "60", "deviation_reason": "Two sites lost power"})
    no_measure = client.post(f"{url}/submit")
    assert no_measure.status_code == 422
    assert no_measure.json()["errors"][0]["field"] == "corrective_measure"
    assert _state(database, owned) == "draft"
    client.put(
        url,
        json={
            "value": "60",
            "deviation_reason": "Two sites lost power",
            "corrective_measure": "Backup batteries installed by October",
        },
    )
    submitted = client.post(f"{url}/submit").json()
    assert submitted["state"] == "submitted"
    assert submitted["corrective_measure"] == "Backup batteries installed by October"


def test_amber_needs_the_explanation_too_and_green_does_not(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    login(client, people.admin)
    scale = f"/api/v1/t/{owned.tenant.slug}/kpis/scale"
    assert client.put(scale, json={"scale": "rag"}).status_code == 200
    url = _url(owned)
    login(client, people.owner)
    year = client.put(url, json={"value": "85"}).json()
    assert year["periods"][0]["status"]["colour"] == "amber"
    refused = client.post(f"{url}/submit")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "deviation_reason"
    assert _state(database, owned) == "draft"
    client.put(url, json={"value": "100"})  # green: nothing to explain
    assert client.post(f"{url}/submit").json()["state"] == "submitted"


def test_locked_quarter_refuses_changes_until_unlocked_with_a_reason(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    url = _url(owned)
    locks = f"/api/v1/t/{owned.tenant.slug}/kpis/locks"
    q1 = {"financial_year": 2026, "quarter": 1}
    login(client, people.owner)
    client.put(url, json={"value": "100"})
    assert client.post(locks, json=q1).status_code == 403  # only tenant admins lock
    login(client, people.admin)
    locked = client.post(locks, json=q1)
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert client.post(locks, json=q1).json()["locked"] is True  # again: no change
    assert client.post(locks, json={**q1, "quarter": 5}).status_code == 422

    login(client, people.owner)
    refused = client.put(url, json={"value": "90"})
    assert refused.status_code == 409 and "locked" in refused.json()["detail"]
    assert client.post(f"{url}/submit").status_code == 409
    assert client.get(url).json()["locked"] is True
    # Another quarter is open.
    assert client.put(_url(owned, 2), json={"value": "90"}).status_code == 200

    login(client, people.admin)
    no_reason = client.post(f"{locks}/unlock", json={**q1, "reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    unlocked = client.post(f"{locks}/unlock", json={**q1, "reason": "Audit found a typo"})
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["unlock_reason"] == "Audit found a typo"
    assert unlocked.json()["unlocked_by"] == str(people.admin.id)
    assert client.post(f"{locks}/unlock", json={**q1, "reason": "again"}).status_code == 409
    listed = client.get(locks, params={"financial_year": 2026}).json()
    assert [(row["quarter"], row["locked"]) for row in listed] == [(1, False)]

    login(client, people.owner)
    assert client.put(url, json={"value": "90"}).status_code == 200
    actions = _actions(database, owned.tenant)
    assert actions.count("kpis.period.locked") == 1
    assert actions.count("kpis.period.unlocked") == 1
    with database.sync_sessions() as session:
        bind_tenant_sync(session, owned.tenant.id)
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "kpis.period.unlocked")
        )
        assert event is not None and event.after is not None
        assert event.after["reason"] == "Audit found a typo"


def _upload(client: TestClient[Any], url: str, name: str, content: bytes, content_type: str) -> Any:
    return client.post(f"{url}/evidence", files={"file": (name, content, content_type)})


def test_evidence_upload_checksum_and_download(
    client: TestClient[Any],
    database: Database,
    people: People,
    owned: IndicatorRef,
    data_dir: Path,
) -> None:
    url = _url(owned)
    login(client, people.owner)
    # An actual must exist before its evidence.
    assert _upload(client, url, "report.pdf", PDF, "application/pdf").status_code == 409
    client.put(url, json={"value": "100"})
    uploaded = _upload(client, url, "../Q1 report.pdf", PDF, "application/pdf")
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (body["file_name"], body["size_bytes"], body["content_type"]) == (
        "Q1 report.pdf",
        len(PDF),
        "application/pdf",
    )
    stored = data_dir / "tenants" / str(owned.tenant.id) / "attachments" / "kpi-evidence"
    assert (stored / body["id"]).read_bytes() == PDF
    duplicate = _upload(client, url, "copy.pdf", PDF, "application/pdf")
    assert duplicate.status_code == 409 and "already attached" in duplicate.json()["detail"]
    assert _upload(client, url, "photo.png", PNG, "image/png").status_code == 201
    assert [e["file_name"] for e in client.get(url).json()["evidence"]] == [
        "Q1 report.pdf",
        "photo.png",
    ]
    download = client.get(f"/api/v1/t/{owned.tenant.slug}/kpis/evidence/{body['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert "attachment" in download.headers["content-disposition"]
    page_download = client.get(f"/t/{owned.tenant.slug}/kpis/evidence/{body['id']}")
    assert page_download.status_code == 200 and page_download.content == PDF
    assert _actions(database, owned.tenant).count("kpis.evidence.uploaded") == 2
    # Submitted: no more files until it is returned.
    client.post(f"{url}/submit")
    assert _upload(client, url, "late.csv", b"a,b\n1,2\n", "text/csv").status_code == 409


def test_evidence_refused_by_size_and_type(
    client: TestClient[Any],
    database: Database,
    people: People,
    owned: IndicatorRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = _url(owned)
    login(client, people.owner)
    client.put(url, json={"value": "100"})
    monkeypatch.setenv("EVIDENCE_MAX_BYTES", "2048")
    get_settings.cache_clear()
    big = _upload(client, url, "big.pdf", PDF + b"0" * 4096, "application/pdf")
    assert big.status_code == 422 and "larger than the limit of 2 KiB" in big.json()["detail"]
    text = _upload(client, url, "notes.txt", b"hello", "text/plain")
    assert text.status_code == 422 and "not text/plain" in text.json()["detail"]
    disguised = _upload(client, url, "report.pdf", PNG, "application/pdf")
    assert disguised.status_code == 422
    assert disguised.json()["detail"] == "file: the file's content is not application/pdf"
    binary_csv = _upload(client, url, "data.csv", b"\xff\xfe\x00bad", "text/csv")
    assert binary_csv.status_code == 422
    empty = _upload(client, url, "empty.pdf", b"", "application/pdf")
    assert empty.status_code == 422
    assert _upload(client, url, "data.csv", b"site,uptime\nA,99.5\n", "text/csv").status_code == 201
    with database.sync_sessions() as session:
        bind_tenant_sync(session, owned.tenant.id)
        assert [e.file_name for e in session.scalars(select(Evidence))] == ["data.csv"]


def test_evidence_of_another_municipality_is_not_found(
    client: TestClient[Any],
    database: Database,
    people: People,
    owned: IndicatorRef,
    tenant_b: TenantRef,
    editor_b: UserRef,
) -> None:
    url = _url(owned)
    login(client, people.owner)
    client.put(url, json={"value": "100"})
    evidence_id = _upload(client, url, "report.pdf", PDF, "application/pdf").json()["id"]
    login(client, editor_b)
    for address in (
        f"/api/v1/t/{tenant_b.slug}/kpis/evidence/{evidence_id}",
        f"/t/{tenant_b.slug}/kpis/evidence/{evidence_id}",
        f"/api/v1/t/{owned.tenant.slug}/kpis/evidence/{evidence_id}",
    ):
        assert client.get(address).status_code == 404, address
    assert client.get(f"/api/v1/t/{tenant_b.slug}/kpis/evidence/{uuid.uuid4()}").status_code == 404


def test_my_updates_lists_due_overdue_returned_and_to_review(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People
) -> None:
    today = today_sast()
    current = FinancialYear.containing(today)
    ref = make_indicator(database, tenant_a, "ICT5", year=current.start_year)
    assign(database, ref, people.owner, people.reviewer)
    ended = [
        (year.start_year, p)
        for year in (FinancialYear(current.start_year - 1), current)
        for p in periods(year, Frequency.QUARTERLY)
        if p.ends_on <= today
    ]
    first_year, first = ended[0]
    returned_year, returned_period = ended[1]
    login(client, people.owner)
    for year, period in ((first_year, first.number), (returned_year, returned_period.number)):
        client.put(_url(ref, period, year), json={"value": "100"})
        client.post(f"{_url(ref, period, year)}/submit")
    login(client, people.reviewer)
    reviewing = client.get(f"/api/v1/t/{tenant_a.slug}/kpis/my-updates").json()
    assert len(reviewing["to_review"]) == 2 and reviewing["due"] == reviewing["overdue"] == []
    client.post(
        f"{_url(ref, returned_period.number, returned_year)}/return", json={"comment": "Fix"}
    )
    login(client, people.owner)
    mine = client.get(f"/api/v1/t/{tenant_a.slug}/kpis/my-updates").json()
    assert [
        (i["financial_year"], i["period"], i["reviewer_comment"]) for i in mine["returned"]
    ] == [(returned_year, returned_period.number, "Fix")]
    open_periods = [(y, p) for y, p in ended[2:]]
    listed = sorted(
        [(i["financial_year"], i["period"]) for i in mine["due"]]
        + [(i["financial_year"], i["period"]) for i in mine["overdue"]]
    )
    assert listed == sorted((y, p.number) for y, p in open_periods)
    for item in mine["overdue"]:
        assert item["due_by"] < today.isoformat()
    for item in mine["due"]:
        assert item["due_by"] >= today.isoformat()
        assert (today - timedelta(days=30)).isoformat() <= item["ends_on"]
    # Nothing for someone who owns nothing.
    login(client, people.other)
    nothing = client.get(f"/api/v1/t/{tenant_a.slug}/kpis/my-updates").json()
    assert nothing == {"due": [], "overdue": [], "returned": [], "to_review": []}
