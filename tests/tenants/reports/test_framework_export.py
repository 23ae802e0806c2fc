"""Downloading what feeds a framework or an item (XLSX, CSV, PDF): the rows and their
status at the chosen quarter, the audit trail, bad filters; and the report's queries do
not grow with the number of indicators."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import event

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant, bind_tenant_sync
from saypro.platform.settings import DatabaseUrls
from saypro.tenants.frameworks import service
from saypro.tenants.frameworks.models import Mapping
from tests.asyncio_runner import run_in_own_loop
from tests.conftest import login
from tests.tenants.frameworks.conftest import make_framework
from tests.tenants.kpis.conftest import make_indicator
from tests.tenants.reports.conftest import YEAR, Fixture, exports

ACTION = "frameworks.report.exported"


def _base(known: Fixture) -> str:
    return f"/api/v1/t/{known.tenant.slug}/frameworks/{known.framework.framework_id}"


def test_the_framework_report_downloads_as_xlsx_and_csv(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    login(client, known.viewer)
    params = {"financial_year": YEAR, "quarter": 2}
    response = client.get(f"{_base(known)}/report/export", params=params)
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="framework-{known.tenant.slug}-')
    assert disposition.endswith('-2025-26-q2.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = next(r for r in range(1, 20) if sheet.cell(row=r, column=2).value == "Code")
    titles = [c.value for c in sheet[header]]
    row = dict(zip(titles, [c.value for c in sheet[header + 1]], strict=True))
    assert row["Code"] == "CUM1" and row["Feeds"] == "OP1.1"
    assert row["Target year to date"] == 200 and row["Actual year to date"] == 210
    assert row["Status"] == "C"
    assert sheet.max_row == header + 1  # the indicators that feed it, and only those

    item = client.get(
        f"{_base(known)}/items/{known.framework.item_id}/report/export",
        params={**params, "format": "csv"},
    )
    assert item.status_code == 200
    assert item.headers["content-disposition"].endswith('-OC1-2025-26-q2.csv"')
    rows = list(csv.DictReader(io.StringIO(item.content.decode("utf-8-sig"))))
    assert [(r["Code"], r["Status"]) for r in rows] == [("CUM1", "C")]

    first, second = exports(database, known.tenant, ACTION)
    assert first.actor_id == known.viewer.id and first.entity_id == known.framework.framework_id
    assert first.after is not None and first.after["format"] == "xlsx"
    assert first.after["rows"] == 1 and first.after["quarter"] == 2
    assert second.after is not None and second.after["item"] == "OC1"


def test_the_pages_download_and_refuse_bad_filters(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    login(client, known.editor)
    page_base = f"/t/{known.tenant.slug}/frameworks/{known.framework.framework_id}"
    report = client.get(f"{page_base}/report", params={"financial_year": YEAR, "quarter": 2})
    assert "/report/export?financial_year=2025&amp;quarter=2&amp;format=xlsx" in report.text
    pdf = client.get(
        f"{page_base}/report/export", params={"financial_year": YEAR, "quarter": 2, "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    for params in ({"quarter": 9}, {"financial_year": 1800}, {"format": "doc"}):
        assert client.get(f"{page_base}/report/export", params=params).status_code == 422
        api = client.get(f"{_base(known)}/report/export", params=params)
        assert api.status_code == 422
        assert [e["field"] for e in api.json()["errors"]] == list(params)
    assert len(exports(database, known.tenant, ACTION)) == 1


def _statements(db_urls: DatabaseUrls, known: Fixture, framework_id: Any) -> int:
    async def run() -> int:
        database = Database.connect(db_urls.runtime, pool_size=1)
        count = 0

        def counted(*_args: Any) -> None:
            nonlocal count
            count += 1

        try:
            async with database.async_sessions() as session:
                await bind_tenant(session, known.tenant.id)
                event.listen(database.async_engine.sync_engine, "before_cursor_execute", counted)
                result = await service.report(session, framework_id, financial_year=YEAR, quarter=2)
                assert result.lines
                return count
        finally:
            await database.async_engine.dispose()

    return run_in_own_loop(run())


def test_the_report_runs_a_fixed_number_of_queries(
    database: Database, db_urls: DatabaseUrls, known: Fixture
) -> None:
    small = make_framework(database, known.tenant, indicator_id=known.cumulative)
    large = make_framework(database, known.tenant, indicator_id=known.cumulative)
    many = [make_indicator(database, known.tenant, f"MANY{n}", year=YEAR) for n in range(12)]
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, known.tenant.id)
        for indicator in many:
            session.add(Mapping(item_id=large.child_id, indicator_id=indicator.indicator_id))
    assert _statements(db_urls, known, small.framework_id) == _statements(
        db_urls, known, large.framework_id
    )
