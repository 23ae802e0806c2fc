"""The reporting pages: the indicator page's steps (save, attach, submit, approve,
return), "My updates" with several indicators in one form, and locking quarters."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.tenants.kpis.models import ActualValue, Evidence
from saypro.tenants.kpis.periods import FinancialYear, Frequency, periods
from tests.conftest import csrf_token, login
from tests.factories import TenantRef
from tests.tenants.kpis.conftest import (
    IndicatorRef,
    People,
    _actions,
    _state,
    assign,
    make_indicator,
)
from tests.tenants.kpis.test_workflow import PDF


def _form(client: TestClient[Any], **fields: Any) -> dict[str, Any]:
    return {"_csrf_token": csrf_token(client), **fields}


def _page(ref: IndicatorRef) -> str:
    return f"/t/{ref.tenant.slug}/kpis/indicators/{ref.indicator_id}"


def test_indicator_page_steps(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    page = _page(owned)
    actions = f"{page}/actuals/2026"
    login(client, people.owner)
    saved = client.post(
        actions, data=_form(client, period="1", value="100", note="All up"), follow_redirects=False
    )
    assert saved.status_code == 302, saved.text
    html = client.get(f"{page}?year=2026").text
    assert 'data-testid="reports"' in html and "Submit for review" in html
    uploaded = client.post(
        f"{actions}/1/evidence",
        data={"_csrf_token": csrf_token(client)},
        files={"file": ("q1.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 302, uploaded.text
    bad = client.post(
        f"{actions}/1/evidence",
        data={"_csrf_token": csrf_token(client)},
        files={"file": ("q1.exe", b"MZ\x90\x00", "application/x-msdownload")},
    )
    assert bad.status_code == 422 and "only PDF" in bad.text
    assert "q1.pdf" in client.get(f"{page}?year=2026").text
    submitted = client.post(f"{actions}/1/submit", data=_form(client), follow_redirects=False)
    assert submitted.status_code == 302
    # The owner is not the reviewer: no approve button, and the step is refused.
    assert ">Approve<" not in client.get(f"{page}?year=2026").text
    refused = client.post(f"{actions}/1/approve", data=_form(client))
    assert refused.status_code == 403 and "reviewer" in refused.text

    login(client, people.reviewer)
    assert ">Approve<" in client.get(f"{page}?year=2026").text
    no_comment = client.post(f"{actions}/1/return", data=_form(client, comment=""))
    assert no_comment.status_code == 422 and "say what the reporter must change" in no_comment.text
    too_long = client.post(f"{actions}/1/return", data=_form(client, comment="x" * 2001))
    assert too_long.status_code == 422 and "2000 characters" in too_long.text
    returned = client.post(
        f"{actions}/1/return", data=_form(client, comment="Wrong quarter"), follow_redirects=False
    )
    assert returned.status_code == 302
    assert "Reviewer: Wrong quarter" in client.get(f"{page}?year=2026").text
    assert _state(database, owned) == "returned"
    login(client, people.owner)
    client.post(f"{actions}/1/submit", data=_form(client))
    login(client, people.reviewer)
    client.post(f"{actions}/1/approve", data=_form(client))
    assert _state(database, owned) == "approved"
    assert _actions(database, owned.tenant) == [
        "kpis.actual.recorded",
        "kpis.evidence.uploaded",
        "kpis.actual.submitted",
        "kpis.actual.returned",
        "kpis.actual.submitted",
        "kpis.actual.approved",
    ]


def test_evidence_download_page_checks_the_municipality(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef, data_dir: Path
) -> None:
    login(client, people.owner)
    actions = f"{_page(owned)}/actuals/2026"
    client.post(actions, data=_form(client, period="1", value="100"))
    client.post(
        f"{actions}/1/evidence",
        data={"_csrf_token": csrf_token(client)},
        files={"file": ("q1.pdf", PDF, "application/pdf")},
    )
    with database.sync_sessions() as session:
        bind_tenant_sync(session, owned.tenant.id)
        evidence = session.scalars(select(Evidence)).one()
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    url = f"/t/{owned.tenant.slug}/kpis/evidence/{evidence.id}"
    assert client.get(url).content == PDF
    # The file gone from disk is "not found", never an error page with a path.
    (data_dir / "tenants" / str(owned.tenant.id) / "attachments" / evidence.stored_path).unlink()
    assert client.get(url).status_code == 404


def test_my_updates_reports_several_indicators_at_once(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, people: People
) -> None:
    today = today_sast()
    current = FinancialYear.containing(today)
    first = make_indicator(database, tenant_a, "ICT6", year=current.start_year - 1)
    second = make_indicator(database, tenant_a, "ICT7", year=current.start_year - 1)
    for ref in (first, second):
        assign(database, ref, people.owner, people.reviewer)
    year = current.start_year - 1
    q1 = periods(FinancialYear(year), Frequency.QUARTERLY)[0]
    login(client, people.owner)
    url = f"/t/{tenant_a.slug}/kpis/my-updates"
    page = client.get(url)
    assert page.status_code == 200
    key1, key2 = f"{first.indicator_id}.{year}.1", f"{second.indicator_id}.{year}.1"
    assert f'name="value.{key1}"' in page.text and f'name="value.{key2}"' in page.text
    assert 'data-testid="overdue"' in page.text and q1.label in page.text
    # ICT7 is red (50 of 100) without a reason: nothing of the form is saved.
    refused = client.post(
        url, data=_form(client, **{f"value.{key1}": "100", f"value.{key2}": "50"}, action="submit")
    )
    assert refused.status_code == 422
    assert "give the reason for the deviation" in refused.text
    assert 'value="50"' in refused.text
    assert _state(database, first) is None and _state(database, second) is None
    bad_number = client.post(url, data=_form(client, **{f"value.{key1}": "many"}, action="save"))
    assert bad_number.status_code == 422 and _state(database, first) is None
    empty = client.post(url, data=_form(client, action="save"))
    assert empty.status_code == 422 and "at least one period" in empty.text
    done = client.post(
        url,
        data=_form(
            client,
            **{
                f"value.{key1}": "100",
                f"value.{key2}": "50",
                f"deviation_reason.{key2}": "Procurement delayed",
                f"corrective_measure.{key2}": "Tender re-advertised",
            },
            action="submit",
        ),
        follow_redirects=False,
    )
    assert done.status_code == 302, done.text
    assert _state(database, first) == _state(database, second) == "submitted"
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        row = session.scalar(
            select(ActualValue).where(ActualValue.indicator_id == second.indicator_id)
        )
        assert row is not None and row.corrective_measure == "Tender re-advertised"
    assert f'name="value.{key1}"' not in client.get(url).text
    login(client, people.reviewer)
    assert 'data-testid="to-review"' in client.get(url).text


def test_locking_and_unlocking_quarters_on_the_page(
    client: TestClient[Any], database: Database, people: People, owned: IndicatorRef
) -> None:
    locks = f"/t/{owned.tenant.slug}/kpis/locks"
    login(client, people.owner)
    assert ">Lock Q1<" not in client.get(f"{locks}?year=2026").text
    assert (
        client.post(f"{locks}/lock", data=_form(client, financial_year="2026", quarter="1"))
    ).status_code == 403
    login(client, people.admin)
    assert ">Lock Q1<" in client.get(f"{locks}?year=2026").text
    locked = client.post(
        f"{locks}/lock",
        data=_form(client, financial_year="2026", quarter="1"),
        follow_redirects=False,
    )
    assert locked.status_code == 302
    saved = client.post(f"{_page(owned)}/actuals/2026", data=_form(client, period="1", value="100"))
    assert saved.status_code == 409 and "locked for reporting" in saved.text
    no_reason = client.post(
        f"{locks}/unlock", data=_form(client, financial_year="2026", quarter="1", reason="")
    )
    assert no_reason.status_code == 422 and "say why" in no_reason.text
    for bad in ({"quarter": "9", "reason": "x"}, {"quarter": "1", "reason": "x" * 2001}):
        refused_unlock = client.post(
            f"{locks}/unlock", data=_form(client, financial_year="2026", **bad)
        )
        assert refused_unlock.status_code == 422
    bad_lock = client.post(f"{locks}/lock", data=_form(client, financial_year="2026", quarter="0"))
    assert bad_lock.status_code == 422
    unlocked = client.post(
        f"{locks}/unlock",
        data=_form(client, financial_year="2026", quarter="1", reason="Late invoice"),
        follow_redirects=False,
    )
    assert unlocked.status_code == 302
    assert "Late invoice" in client.get(f"{locks}?year=2026").text
    assert _actions(database, owned.tenant) == ["kpis.period.locked", "kpis.period.unlocked"]
