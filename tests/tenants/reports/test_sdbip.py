"""The SDBIP quarterly report: the cells of the XLSX for a known municipality, the PDF's
text and pages, CSV, which actuals count, filters by framework, bad filters, the audit
trail, permissions and isolation."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pypdf
from litestar.testing import TestClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import StaffRole
from tests.conftest import login
from tests.factories import TenantRef, make_staff
from tests.tenants.frameworks.conftest import make_framework
from tests.tenants.reports.conftest import YEAR, Fixture, exports

ACTION = "reports.sdbip.exported"


def _url(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis/reports/sdbip"


def _get(client: TestClient[Any], known: Fixture, **params: Any) -> Any:
    return client.get(_url(known.tenant), params={"financial_year": YEAR, "quarter": 2, **params})


def _table(sheet: Worksheet) -> tuple[int, list[str], dict[str, dict[str, Any]]]:
    """The header row's number, its titles and the data rows by indicator code."""
    header = next(r for r in range(1, 30) if sheet.cell(row=r, column=2).value == "Code")
    titles = [str(c.value) for c in sheet[header]]
    rows = {}
    for cells in sheet.iter_rows(min_row=header + 1):
        values = dict(zip(titles, cells, strict=True))
        rows[str(values["Code"].value)] = values
    return header, titles, rows


def test_the_xlsx_carries_targets_actuals_and_statuses(
    client: TestClient[Any], known: Fixture
) -> None:
    login(client, known.editor)
    response = _get(client, known)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"] == (
        f'attachment; filename="sdbip-{known.tenant.slug}-2025-26-q2.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    block = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(1, 12)
    }
    assert sheet["A1"].value == known.tenant.name
    assert block["Financial year"] == "2025/26"
    assert block["Quarter"] == "Q2 (October–December 2025)"
    assert str(block["Actuals included"]).startswith("approved actuals only")
    assert str(block["Demarcation code"]).strip()
    assert str(block["Generated"]).endswith("SAST")

    header, titles, rows = _table(sheet)
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref == f"A{header}:{get_column_letter(len(titles))}{header + 3}"
    assert set(rows) == {"CUM1", "NR1", "SUB1"}  # never the other municipality's BETA1

    # Cumulative at Q2: 90 + 120 = 210 of 100 + 100 = 200, on target (C); Q2 alone 120/100.
    cum = rows["CUM1"]
    assert cum["Strategic objective"].value == "SO1 · Objective SO1"
    assert cum["Annual target"].value == 400
    assert cum["Quarter target"].value == 100 and cum["Quarter actual"].value == 120
    assert cum["Target year to date"].value == 200
    assert cum["Actual year to date"].value == 210
    assert cum["Actual year to date"].number_format == "#,##0"
    assert cum["Status"].value == "C"
    assert cum["Status"].fill.fgColor.rgb.endswith("C6EFCE")  # green
    assert cum["Status meaning"].value == "Meets or exceeds target"
    assert cum["Evidence"].value == f"q2-tickets.pdf ({known.evidence_id})"
    assert cum["Framework references"].value.endswith(": OP1.1")
    assert "State" not in titles

    # Never reported: not reported (NR), red, no actual; the submitted one counts only
    # once approved, so it is not reported either.
    for code in ("NR1", "SUB1"):
        assert rows[code]["Status"].value == "NR"
        assert rows[code]["Actual year to date"].value is None
        assert rows[code]["Status"].fill.fgColor.rgb.endswith("FFC7CE")
        assert rows[code]["Strategic objective"].value == "Not linked to a strategic objective"


def test_q1_shows_the_reason_for_deviation_and_measure(
    client: TestClient[Any], known: Fixture
) -> None:
    login(client, known.editor)
    response = _get(client, known, quarter=1, format="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = {r["Code"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert rows["CUM1"]["Actual year to date"] == "90"
    assert rows["CUM1"]["Status"] == "D"
    assert rows["CUM1"]["Reason for deviation"] == "Vendor delay"
    assert rows["CUM1"]["Corrective measure"] == "New vendor contracted"


def test_all_submitted_actuals_with_their_state(client: TestClient[Any], known: Fixture) -> None:
    login(client, known.editor)
    response = _get(client, known, actuals="submitted", format="csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = {r["Code"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["SUB1"]["Quarter actual"] == "150"
    assert rows["SUB1"]["State"] == "submitted"
    assert rows["CUM1"]["State"] == "approved"
    assert rows["NR1"]["State"] == ""


def test_the_pdf_has_the_rows_and_numbered_pages(client: TestClient[Any], known: Fixture) -> None:
    login(client, known.viewer)  # a viewer (kpis.read) may download
    response = _get(client, known, format="pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    pages = len(reader.pages)
    first = reader.pages[0].extract_text()
    assert f"page 1 of {pages}" in first
    assert known.tenant.name in first and "SDBIP quarterly performance report" in first
    text = "\n".join(page.extract_text() for page in reader.pages)
    for code in ("CUM1", "NR1", "SUB1"):
        assert code in text
    assert "BETA1" not in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_a_long_report_repeats_its_header_on_every_page(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    from tests.tenants.kpis.conftest import make_indicator

    for n in range(40):
        make_indicator(database, known.tenant, f"LONG{n:02d}", year=YEAR)
    login(client, known.editor)
    reader = pypdf.PdfReader(io.BytesIO(_get(client, known, format="pdf").content))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"page {number} of {pages}" in text
        assert "Reason for deviation" in text  # the table's header row
        assert known.tenant.name in text


def test_filter_by_framework_and_item(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    login(client, known.editor)
    framework = known.framework
    only = _get(client, known, framework_id=framework.framework_id, format="csv")
    assert only.status_code == 200
    codes = [r["Code"] for r in csv.DictReader(io.StringIO(only.content.decode("utf-8-sig")))]
    assert codes == ["CUM1"]
    item = _get(
        client, known, framework_id=framework.framework_id, item_id=framework.item_id, format="csv"
    )
    assert "CUM1" in item.content.decode()
    empty = make_framework(database, known.tenant)
    none = _get(client, known, framework_id=empty.framework_id, format="csv")
    assert none.status_code == 200 and "CUM1" not in none.content.decode()
    [*_, last] = exports(database, known.tenant, ACTION)
    assert last.after is not None and last.after["rows"] == 0
    assert last.after["framework_id"] == str(empty.framework_id)


def test_bad_filters_are_refused_and_not_recorded(
    client: TestClient[Any], known: Fixture, database: Database, tenant_b: TenantRef
) -> None:
    login(client, known.editor)
    foreign = make_framework(database, tenant_b)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"quarter": 5}, "quarter", ""),
        ({"financial_year": 1999}, "financial_year", ""),
        ({"format": "docx"}, "format", ""),
        ({"actuals": "drafts"}, "actuals", ""),
        (
            {"framework_id": foreign.framework_id},
            "framework_id",
            "is not a framework of this municipality",
        ),
        (
            {"framework_id": known.framework.framework_id, "item_id": foreign.item_id},
            "item_id",
            "is not an item of that framework",
        ),
        ({"item_id": known.framework.item_id}, "framework_id", "choose the framework"),
    ]
    for params, field, message in cases:
        response = _get(client, known, **params)
        assert response.status_code == 422, (params, response.text)
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == [field], (params, errors)
        assert message in errors[0]["message"]
    assert exports(database, known.tenant, ACTION) == []


def test_every_download_is_on_the_audit_trail(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    login(client, known.viewer)
    assert _get(client, known, format="pdf").status_code == 200
    assert _get(client, known).status_code == 200
    first, second = exports(database, known.tenant, ACTION)
    assert first.actor_id == known.viewer.id
    assert first.after == {
        "report": "sdbip_quarterly",
        "format": "pdf",
        "rows": 3,
        "financial_year": YEAR,
        "quarter": 2,
        "framework_id": None,
        "item_id": None,
        "actuals": "approved",
    }
    assert second.after is not None and second.after["format"] == "xlsx"


def test_finance_staff_and_other_municipalities_cannot_download(
    client: TestClient[Any], known: Fixture, database: Database, editor_b: Any
) -> None:
    login(client, make_staff(database, StaffRole.FINANCE))
    assert _get(client, known).status_code in (403, 404)
    login(client, editor_b)
    assert _get(client, known).status_code == 404
    page = client.get(f"/t/{known.tenant.slug}/kpis/reports", follow_redirects=False)
    assert page.status_code == 404
    assert exports(database, known.tenant, ACTION) == []


def test_the_reports_page_downloads_and_shows_refused_filters(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    login(client, known.viewer)
    base = f"/t/{known.tenant.slug}/kpis/reports"
    page = client.get(base, params={"framework_id": str(known.framework.framework_id)})
    assert page.status_code == 200
    assert 'name="financial_year"' in page.text and "Download PDF" in page.text
    assert f'value="{known.framework.framework_id}" selected' in page.text

    refused = client.get(f"{base}/sdbip", params={"financial_year": YEAR, "quarter": 7})
    assert refused.status_code == 422
    assert 'id="quarter-error"' in refused.text
    foreign = client.get(
        f"{base}/sdbip",
        params={"financial_year": YEAR, "quarter": 2, "framework_id": str(uuid.uuid4())},
    )
    assert foreign.status_code == 422 and "is not a framework of this municipality" in foreign.text
    assert exports(database, known.tenant, ACTION) == []

    download = client.get(
        f"{base}/sdbip", params={"financial_year": YEAR, "quarter": 2, "format": "csv"}
    )
    assert download.status_code == 200
    assert "CUM1" in download.content.decode()
    assert len(exports(database, known.tenant, ACTION)) == 1


def test_the_downloads_are_in_the_openapi_schema(client: TestClient[Any]) -> None:
    paths = client.get("/api/schema/openapi.json").json()["paths"]
    sdbip = paths["/api/v1/t/{tenant_slug}/kpis/reports/sdbip"]["get"]
    assert {p["name"] for p in sdbip["parameters"]} >= {
        "financial_year",
        "quarter",
        "framework_id",
        "item_id",
        "actuals",
        "format",
    }
    assert "/api/v1/t/{tenant_slug}/frameworks/{framework_id}/report/export" in paths
