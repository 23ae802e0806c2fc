"""Imports of indicators and actuals: files, per-row errors, all-or-nothing commits,
idempotent jobs, progress, the CLI and who may import."""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.cli.main import cli
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.settings import DatabaseUrls, get_settings
from saypro.tenants.kpis.imports import files, runs, write
from saypro.tenants.kpis.imports.models import ImportRun, ImportStatus
from saypro.tenants.kpis.models import ActualState, ActualValue, Indicator, PeriodLock, Target
from tests import servers
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef, make_user
from tests.tenants.kpis.conftest import IndicatorRef, People

ACTUALS_HEADER = "code,financial_year,period,value,flag,note,deviation_reason,corrective_measure"


def _api(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis/imports"


def _upload(
    client: TestClient[Any],
    tenant: TenantRef,
    content: bytes,
    *,
    name: str = "a.csv",
    kind: str = "actuals",
    submit: bool = False,
) -> Any:
    return client.post(
        _api(tenant) + "/",
        files={"file": (name, content, "text/csv")},
        data={"kind": kind, "submit": "1" if submit else ""},
    )


def _actuals(database: Database, tenant: TenantRef) -> list[ActualValue]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(ActualValue).order_by(ActualValue.period)))


def _commit_job(database: Database, tenant: TenantRef, run_id: str) -> None:
    run_job(database, get_job(runs.COMMIT_JOB), str(tenant.id), {"run_id": run_id})


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def editor(database: Database, tenant_a: TenantRef) -> UserRef:
    return make_user(database, (tenant_a, Role.EDITOR), name="Editor")


def test_csv_actuals_preview_then_commit_once(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    body = f"{ACTUALS_HEADER}\r\nict1,2026/27,Q1,90,,first,,\r\nICT1,2026,2,100,,,,\r\n"
    response = _upload(client, tenant_a, body.encode())
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "valid" and run["rows_total"] == 2, run["errors"]
    assert run["summary"] == {"created": 2, "updated": 0, "submitted": 0}
    assert _actuals(database, tenant_a) == []  # the preview writes nothing

    first = client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    second = client.post(f"{_api(tenant_a)}/{run['id']}/commit")  # a double click
    assert first.status_code == second.status_code == 202
    _commit_job(database, tenant_a, run["id"])
    _commit_job(database, tenant_a, run["id"])  # a redelivered message
    rows = _actuals(database, tenant_a)
    assert [(r.period, r.value, r.state.value) for r in rows] == [
        (1, Decimal("90.0000"), "draft"),
        (2, Decimal("100.0000"), "draft"),
    ]
    done = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert done["status"] == "done" and done["rows_done"] == 2
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "kpis.import.committed")
        ).all()
        stored = session.get(ImportRun, (tenant_a.id, uuid.UUID(run["id"])))
        # The committed file stays with the run: the audit event's "after" is its rows.
        assert stored is not None and stored.stored_path is not None
        kept = files.absolute(tenant_a.id, stored.stored_path).read_bytes()
    assert kept == body.encode()
    assert len(events) == 1 and events[0].after is not None
    assert events[0].after["replaced"] == []
    assert events[0].after["created"] == 2 and events[0].actor_id == editor.id
    assert events[0].after["sha256"] == hashlib.sha256(kept).hexdigest()

    # A second import overwrites the Q1 draft: the event keeps what it replaced.
    again = _upload(client, tenant_a, f"{ACTUALS_HEADER}\r\nICT1,2026,1,95,,,,\r\n".encode())
    assert again.json()["status"] == "valid", again.text
    client.post(f"{_api(tenant_a)}/{again.json()['id']}/commit")
    _commit_job(database, tenant_a, again.json()["id"])
    assert [r.value for r in _actuals(database, tenant_a)] == [Decimal("95"), Decimal("100")]
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        latest = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "kpis.import.committed")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert latest is not None and latest.after is not None
    assert latest.after["replaced"] == (
        [
            {
                "code": "ICT1",
                "financial_year": 2026,
                "period": 1,
                "value": "90.0000",
                "flag": None,
                "state": "draft",
            }
        ]
    )


def test_xlsx_actuals_submitted_for_review(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    content = _xlsx([["Code", "Financial Year", "Period", "Value"], ["ICT1", 2026, "Q3", 120]])
    response = _upload(client, tenant_a, content, name="q3.xlsx", submit=True)
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "valid", run["errors"]
    client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    _commit_job(database, tenant_a, run["id"])
    [row] = _actuals(database, tenant_a)
    assert (row.period, row.value, row.state.value, row.submitted_by) == (
        3,
        Decimal("120.0000"),
        "submitted",
        editor.id,
    )


def test_every_row_error_names_row_column_and_problem(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(PeriodLock(financial_year=2026, quarter=4, locked=True, unlock_reason=""))
    login(client, editor)
    lines = [
        ACTUALS_HEADER,
        "ICT1,2026/27,Q1,90,,,,",  # row 2: fine
        "NOPE,2026/27,Q1,90,,,,",  # 3: unknown code
        "ICT1,2026/28,Q1,90,,,,",  # 4: not a financial year
        "ICT1,2026/27,Q5,90,,,,",  # 5: no such quarter
        "ICT1,2026/27,H1,90,,,,",  # 6: a half for a quarterly indicator
        'ICT1,2026/27,Q2,"1,5",,,,',  # 7: decimal comma
        "ICT1,2026/27,Q2,1.5,,,,",  # 8: too many decimal places (0 allowed)
        "ICT1,2026/27,Q2,,,,,",  # 9: neither value nor flag
        "ICT1,2026/27,Q4,90,,,,",  # 10: locked quarter
        "ICT1,2026/27,Q1,95,,,,",  # 11: same period as row 2
        "ICT1,2026/27,Q3,90,maybe,,,",  # 12: unknown flag
    ]
    response = _upload(client, tenant_a, "\n".join(lines).encode())
    run = response.json()
    assert run["status"] == "invalid"
    found = {(e["row"], e["column"]): e["problem"] for e in run["errors"]}
    assert "no indicator has the code NOPE" in found[(3, "code")]
    assert "not a financial year" in found[(4, "financial_year")]
    assert "periods 1 to 4" in found[(5, "period")]
    assert "H1 is a biannual period" in found[(6, "period")]
    assert "decimal" in found[(7, "value")]
    assert "more than 0 decimal places" in found[(8, "value")]
    assert "give a value, or a flag" in found[(9, "value")]
    assert "locked" in found[(10, "period")]
    assert "already given in row 2" in found[(11, "period")]
    assert (12, "flag") in found
    assert run["error_count"] == 10
    refused = client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    assert refused.status_code == 409 and "10 error" in refused.text
    assert _actuals(database, tenant_a) == []


def test_a_row_that_fails_at_commit_writes_nothing(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    body = f"{ACTUALS_HEADER}\nICT1,2026/27,Q1,90,,,,\nICT1,2026/27,Q2,80,,,,\n"
    run = _upload(client, tenant_a, body.encode()).json()
    assert run["status"] == "valid"
    # Q2 is locked between the preview and the commit: the whole file is refused.
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(PeriodLock(financial_year=2026, quarter=2, locked=True, unlock_reason=""))
    client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    _commit_job(database, tenant_a, run["id"])
    assert _actuals(database, tenant_a) == []
    after = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert after["status"] == "invalid"
    assert after["errors"][0]["row"] == 3 and after["errors"][0]["column"] == "period"


def test_submitting_red_needs_reason(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    body = f"{ACTUALS_HEADER}\nICT1,2026/27,Q1,10,,,,\nICT1,2026/27,Q2,10,,,Staff,Hire\n"
    run = _upload(client, tenant_a, body.encode(), submit=True).json()
    assert [(e["row"], e["column"]) for e in run["errors"]] == [(2, "deviation_reason")]


INDICATORS = (
    "code,name,unit,decimal_places,frequency,target_type,owner_email,financial_year,"
    "annual_target,target_1,target_2,target_3,target_4,calculation,formula"
)


def test_indicators_with_targets(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    editor: UserRef,
    people: People,
) -> None:
    login(client, editor)
    lines = [
        INDICATORS,
        f"NEW1,New helpdesk KPI,Number,0,Quarterly,cumulative,{people.owner.email.upper()},"
        "2026/27,40,10,10,10,10,manual,",
        "NEW2,Twice the first,number,0,quarterly,per_period,,,,,,,,formula,NEW1 * 2",
    ]
    run = _upload(client, tenant_a, "\n".join(lines).encode(), kind="indicators").json()
    assert run["status"] == "valid", run["errors"]
    client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    _commit_job(database, tenant_a, run["id"])
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        made = {i.code: i for i in session.scalars(select(Indicator))}
        targets = session.scalar(select(func.count()).select_from(Target))
    assert made["NEW1"].owner_id == people.owner.id and made["NEW2"].formula == "NEW1 * 2"
    assert targets == 5


def test_indicators_with_targets_from_xlsx(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, editor: UserRef
) -> None:
    """Excel cells come typed (numbers, not text): the same rows as the CSV case."""
    login(client, editor)
    content = _xlsx(
        [
            INDICATORS.split(","),
            [
                *["XL1", "Sites on fibre", "Number", 0, "Quarterly", "cumulative", None],
                *["2026/27", 12, 3, 3, 3, 3, "manual", None],
            ],
        ]
    )
    run = _upload(client, tenant_a, content, name="plan.xlsx", kind="indicators").json()
    assert run["status"] == "valid", run["errors"]
    client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    _commit_job(database, tenant_a, run["id"])
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        made = session.scalars(select(Indicator).where(Indicator.code == "XL1")).one()
        values = sorted(
            (t.period, t.value)
            for t in session.scalars(select(Target).where(Target.indicator_id == made.id))
        )
    assert values == [(0, Decimal(12)), *((period, Decimal(3)) for period in range(1, 5))]


def test_indicator_errors(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    lines = [
        INDICATORS,
        "ict1,Clash with the workspace,number,0,quarterly,cumulative,,,,,,,,manual,",  # 2
        "N1,Fine one,number,0,quarterly,cumulative,,,,,,,,manual,",  # 3
        "n1,Clash within the file,number,0,quarterly,cumulative,,,,,,,,manual,",  # 4
        "N2,Owner unknown,number,0,quarterly,cumulative,nobody@example.org,,,,,,,manual,",  # 5
        "N3,Targets disagree,number,0,quarterly,cumulative,,2026,50,10,10,10,10,manual,",  # 6
        "N4,Bad unit,litres,0,quarterly,cumulative,,,,,,,,manual,",  # 7
        "N5,Unknown code,number,0,quarterly,cumulative,,,,,,,,formula,XX + 1",  # 8
        "N6,Five places,number,5,quarterly,cumulative,,,,,,,,manual,",  # 9
    ]
    run = _upload(client, tenant_a, "\n".join(lines).encode(), kind="indicators").json()
    found = {(e["row"], e["column"]): e["problem"] for e in run["errors"]}
    assert "already used" in found[(2, "code")]
    assert "already given in row 3" in found[(4, "code")]
    assert "not a member" in found[(5, "owner_email")]
    assert (6, "annual_target") in found
    assert (7, "unit") in found
    assert "unknown indicator code XX" in found[(8, "formula")]
    assert (9, "decimal_places") in found
    assert run["status"] == "invalid"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("a.pdf", b"%PDF-1.4", "only CSV"),
        ("a.csv", b"", "empty"),
        ("a.csv", "code,financial_year,period\nICT1,2026,Q1\n".encode("utf-16"), "UTF-8"),
        ("a.csv", b"code,year,period\nICT1,2026,Q1\n", "unknown column year"),
        ("a.csv", b"code,period\nICT1,Q1\n", "no column financial_year"),
        ("a.csv", b"code,financial_year,period\n", "no rows"),
        ("a.xlsx", b"code,financial_year,period\n", "not an Excel workbook"),
    ],
)
def test_bad_files_are_refused(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    editor: UserRef,
    name: str,
    content: bytes,
    problem: str,
) -> None:
    login(client, editor)
    response = _upload(client, tenant_a, content, name=name)
    assert response.status_code == 422 and problem in response.text, response.text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_too_big(
    client: TestClient[Any],
    tenant_a: TenantRef,
    editor: UserRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMPORT_MAX_BYTES", "1024")
    get_settings.cache_clear()
    login(client, editor)
    response = _upload(
        client, tenant_a, (ACTUALS_HEADER + "\n" + "ICT1,2026,Q1,1,,,,\n" * 80).encode()
    )
    assert response.status_code == 422 and "larger than the limit" in response.text


def test_viewer_cannot_import(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
) -> None:
    viewer = make_user(database, (tenant_a, Role.VIEWER), name="Viewer")
    login(client, viewer)
    response = _upload(client, tenant_a, f"{ACTUALS_HEADER}\nICT1,2026,Q1,1,,,,\n".encode())
    assert response.status_code == 403
    assert client.get(f"/t/{tenant_a.slug}/kpis/imports/").status_code == 403


def test_templates_have_headers_and_an_example(
    client: TestClient[Any],
    tenant_a: TenantRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    csv_file = client.get(f"{_api(tenant_a)}/template?kind=actuals&format=csv")
    assert csv_file.status_code == 200
    header, example = csv_file.text.splitlines()
    assert header == ACTUALS_HEADER and example.startswith("ICT1,2026/27,Q1")
    xlsx = client.get(f"/t/{tenant_a.slug}/kpis/imports/template?kind=indicators&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet["A1"].value == "code" and sheet["A2"].value == "ICT10"


def test_pages_preview_and_commit(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    page = client.get(f"/t/{tenant_a.slug}/kpis/imports/")
    assert page.status_code == 200 and "Upload and preview" in page.text
    response = client.post(
        f"/t/{tenant_a.slug}/kpis/imports/",
        files={"file": ("a.csv", f"{ACTUALS_HEADER}\nICT1,2026,Q1,abc,,,,\n".encode(), "text/csv")},
        data={"kind": "actuals", "_csrf_token": csrf_token(client)},
    )
    assert response.status_code == 200 and 'data-testid="import-errors"' in response.text
    assert "valid decimal" in response.text
    bad = client.post(
        f"/t/{tenant_a.slug}/kpis/imports/",
        files={"file": ("a.txt", b"hello", "text/plain")},
        data={"kind": "actuals", "_csrf_token": csrf_token(client)},
    )
    assert bad.status_code == 422 and "only CSV" in bad.text


def test_large_file_previews_in_a_job_with_progress(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runs, "INLINE_PREVIEW_BYTES", 10)
    login(client, editor)
    body = f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\nICT1,2026,Q2,90,,,,\n".encode()
    run = _upload(client, tenant_a, body).json()
    assert run["status"] == "uploaded"
    page = client.get(f"/t/{tenant_a.slug}/kpis/imports/{run['id']}/progress")
    assert "hx-get" in page.text  # the page keeps polling while the run is busy
    run_job(database, get_job(runs.PREVIEW_JOB), str(tenant_a.id), {"run_id": run["id"]})
    run_job(database, get_job(runs.PREVIEW_JOB), str(tenant_a.id), {"run_id": run["id"]})
    after = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert (after["status"], after["rows_done"], after["rows_total"]) == ("valid", 2, 2)
    assert "hx-get" not in client.get(f"/t/{tenant_a.slug}/kpis/imports/{run['id']}/progress").text


@pytest.fixture
def cli_env(db_urls: DatabaseUrls, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_urls.owner)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", servers.TEST_SECRET_KEY)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def test_cli_import(
    cli_env: None,
    tmp_path: Any,
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{ACTUALS_HEADER}\nICT1,2026,Q9,90,,,,\n")
    runner = CliRunner()
    args = ["kpi", "import", "--municipality", tenant_a.slug, "--kind", "actuals", "--commit"]
    refused = runner.invoke(cli, [*args[:2], str(bad), *args[2:]])
    assert refused.exit_code != 0 and "row 2, period" in refused.output
    good = tmp_path / "good.csv"
    good.write_text(f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\nICT1,2026,Q2,95,,,,\n")
    done = runner.invoke(cli, [*args[:2], str(good), *args[2:]])
    assert done.exit_code == 0, done.output
    assert "2 rows, done" in done.output
    # Each stage draws its progress bar, with its label.
    assert "checking rows" in done.output and "importing rows" in done.output
    assert [r.period for r in _actuals(database, tenant_a)] == [1, 2]


def test_another_municipality_cannot_see_a_run(
    client: TestClient[Any],
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    run = _upload(client, tenant_a, f"{ACTUALS_HEADER}\nICT1,2026,Q1,1,,,,\n".encode()).json()
    other = make_user(database, (tenant_b, Role.EDITOR), name="Beta editor")
    with another_client() as beta:
        login(beta, other)
        assert beta.get(f"{_api(tenant_b)}/{run['id']}").status_code == 404
        assert beta.post(f"{_api(tenant_b)}/{run['id']}/commit").status_code == 404
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        stored = session.get(ImportRun, (tenant_a.id, uuid.UUID(run["id"])))
        assert stored is not None and stored.status is ImportStatus.VALID


def test_a_commit_that_breaks_off_is_marked_failed_without_waiting_on_itself(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login(client, editor)
    run = _upload(client, tenant_a, f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\n".encode()).json()
    assert run["status"] == "valid", run["errors"]
    real = write.write_actuals

    def clash(session: Any, rows: Any, **options: Any) -> list[dict[str, Any]]:
        # The indicator is deleted between the check and the write: the bulk INSERT fails.
        with database.sync_sessions() as other, other.begin():
            bind_tenant_sync(other, tenant_a.id)
            other.execute(delete(Indicator))
        # The job's transaction holds the run's row, as one that updated it would.
        session.execute(select(ImportRun).with_for_update())
        return real(session, rows, **options)

    monkeypatch.setattr(runs, "write_actuals", clash)
    client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    with pytest.raises(Exception, match="foreign key"):
        _commit_job(database, tenant_a, run["id"])
    after = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert after["status"] == "failed"
    assert _actuals(database, tenant_a) == []


def test_a_refused_bulk_write_leaves_no_row_behind(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(
            ActualValue(
                indicator_id=indicator_a.indicator_id,
                financial_year=2026,
                period=2,
                value=Decimal(5),
                state=ActualState.DRAFT,
            )
        )
    login(client, editor)
    body = f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\nICT1,2026,Q2,80,,,,\n"
    run = _upload(client, tenant_a, body.encode()).json()
    assert run["status"] == "valid", run["errors"]
    real = write.write_actuals

    def submitted_meanwhile(session: Any, rows: Any, **options: Any) -> list[dict[str, Any]]:
        # Q2 is submitted after the check: the bulk INSERT changes one row of two.
        session.execute(update(ActualValue).values(state=ActualState.SUBMITTED))
        return real(session, rows, **options)

    monkeypatch.setattr(runs, "write_actuals", submitted_meanwhile)
    client.post(f"{_api(tenant_a)}/{run['id']}/commit")
    _commit_job(database, tenant_a, run["id"])
    after = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert after["status"] == "invalid" and "submitted or approved" in after["errors"][0]["problem"]
    assert [(r.period, r.value) for r in _actuals(database, tenant_a)] == [(2, Decimal("5.0000"))]


def test_cli_commit_that_breaks_off_is_marked_failed(
    cli_env: None,
    tmp_path: Any,
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **options: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "write_actuals", broken)
    good = tmp_path / "good.csv"
    good.write_text(f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\n")
    args = ["kpi", "import", str(good), "--municipality", tenant_a.slug, "--kind", "actuals"]
    result = CliRunner().invoke(cli, [*args, "--commit"])
    assert result.exit_code != 0 and "nothing was imported (RuntimeError)" in result.output
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        run = session.scalars(select(ImportRun)).one()
    assert (run.status, run.failure) == (ImportStatus.FAILED, "RuntimeError")
    assert _actuals(database, tenant_a) == []


def _set_status(database: Database, tenant: TenantRef, run_id: str, status: ImportStatus) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        session.execute(update(ImportRun).values(status=status))


@pytest.fixture
def queued_run(
    client: TestClient[Any],
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """A one-row actuals file, uploaded by the editor and left to the preview job (as if
    it were too large to preview in the request)."""
    monkeypatch.setattr(runs, "INLINE_PREVIEW_BYTES", 10)
    login(client, editor)
    upload = _upload(client, tenant_a, f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\n".encode())
    run: dict[str, Any] = upload.json()
    return run


def test_preview_job_takes_up_a_run_left_validating(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, queued_run: dict[str, Any]
) -> None:
    run = queued_run
    _set_status(database, tenant_a, run["id"], ImportStatus.VALIDATING)  # a worker died
    run_job(database, get_job(runs.PREVIEW_JOB), str(tenant_a.id), {"run_id": run["id"]})
    after = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert (after["status"], after["rows_done"]) == ("valid", 1)


def test_preview_job_that_breaks_off_marks_the_run_failed(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    queued_run: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = queued_run

    def broken(*args: Any, **options: Any) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(runs, "check_actuals", broken)
    with pytest.raises(RuntimeError):
        run_job(database, get_job(runs.PREVIEW_JOB), str(tenant_a.id), {"run_id": run["id"]})
    after = client.get(f"{_api(tenant_a)}/{run['id']}").json()
    assert (after["status"], after["failure"]) == ("failed", "RuntimeError")


def _edit_sheet(content: bytes, edit: Callable[[str], str]) -> bytes:
    """The workbook with its first sheet's XML changed by ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_huge_declared_sheet_dimension_is_not_trusted(
    client: TestClient[Any],
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    small = _xlsx([["code", "financial_year", "period", "value"], ["ICT1", 2026, "Q1", 9]])
    huge = _edit_sheet(
        small, lambda xml: re.sub(r'ref="[^"]+"', 'ref="A1:XFD1048576"', xml, count=1)
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(huge)).read("xl/worksheets/sheet1.xml")
    response = _upload(client, tenant_a, huge, name="huge.xlsx")
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["rows_total"]) == ("valid", 1)


@pytest.mark.parametrize(
    ("damage", "problem", "status"),
    [
        # Refused on upload (no run is kept) ...
        (lambda content: content[: len(content) // 2], "BadZipFile", 422),
        # ... or, when the damage lies past the header, by the preview: the run is invalid.
        (lambda content: _edit_sheet(content, lambda xml: xml[: len(xml) - 40]), "ParseError", 201),
    ],
)
def test_damaged_workbooks_are_refused(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
    damage: Callable[[bytes], bytes],
    problem: str,
    status: int,
) -> None:
    login(client, editor)
    rows: list[list[Any]] = [["code", "financial_year", "period", "value"]]
    good = _xlsx(rows + [["ICT1", 2026, "Q1", 9]] * 50)
    response = _upload(client, tenant_a, damage(good), name="broken.xlsx")
    assert response.status_code == status, response.text
    assert f"not a readable Excel workbook ({problem})" in response.text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        kept = session.scalars(select(ImportRun.status)).all()
    assert kept == ([] if status == 422 else [ImportStatus.INVALID])
    assert _actuals(database, tenant_a) == []


def _imports_folder(data_dir: Path, tenant: TenantRef) -> list[str]:
    folder = data_dir / "tenants" / str(tenant.id) / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_an_invalid_or_failed_run_loses_its_file(
    client: TestClient[Any],
    database: Database,
    data_dir: Path,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login(client, editor)
    bad = _upload(client, tenant_a, f"{ACTUALS_HEADER}\nICT1,2026,Q9,90,,,,\n".encode()).json()
    assert bad["status"] == "invalid"
    good = _upload(client, tenant_a, f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\n".encode()).json()
    assert _imports_folder(data_dir, tenant_a) == [f"{good['id']}.csv"]

    def broken(*args: Any, **options: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "write_actuals", broken)
    client.post(f"{_api(tenant_a)}/{good['id']}/commit")
    with pytest.raises(RuntimeError):
        _commit_job(database, tenant_a, good["id"])
    assert client.get(f"{_api(tenant_a)}/{good['id']}").json()["status"] == "failed"
    assert _imports_folder(data_dir, tenant_a) == []


def test_clean_up_removes_the_files_of_day_old_uncommitted_runs(
    client: TestClient[Any],
    database: Database,
    data_dir: Path,
    tenant_a: TenantRef,
    indicator_a: IndicatorRef,
    editor: UserRef,
) -> None:
    login(client, editor)
    body = f"{ACTUALS_HEADER}\nICT1,2026,Q1,90,,,,\n".encode()
    old, committing, fresh = (_upload(client, tenant_a, body).json() for _ in range(3))
    day_ago = datetime.now(UTC) - timedelta(days=1, minutes=1)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        for run, status in ((old, ImportStatus.VALID), (committing, ImportStatus.COMMITTING)):
            session.execute(
                update(ImportRun)
                .where(ImportRun.id == uuid.UUID(run["id"]))
                .values(created_at=day_ago, status=status)
            )
    orphan = data_dir / "tenants" / str(tenant_a.id) / "imports" / f"{uuid.uuid4()}.csv"
    orphan.write_bytes(body)  # an upload whose request broke off
    os.utime(orphan, (day_ago.timestamp(), day_ago.timestamp()))
    for _ in range(2):  # running it again changes nothing more
        run_job(database, get_job(runs.CLEANUP_JOB), str(tenant_a.id), {})
    assert _imports_folder(data_dir, tenant_a) == sorted(
        f"{run['id']}.csv" for run in (committing, fresh)
    )
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        gone = session.get(ImportRun, (tenant_a.id, uuid.UUID(old["id"])))
        assert gone is not None and gone.stored_path is None
