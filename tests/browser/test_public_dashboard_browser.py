"""The public performance dashboard in a real browser, embedded the way a municipality's
website embeds it: an iframe in a page served from another origin. The embed shows its
chart (Chart.js) and the table view; the full page refuses to be framed there."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from tests.browser.conftest import NewPage
from tests.factories import make_tenant
from tests.tenants.kpis.public_world import SECRETS, make_public_world

pytestmark = pytest.mark.browser


class _Website(ThreadingHTTPServer):
    html = b""


class _Handler(BaseHTTPRequestHandler):
    server: _Website

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.server.html)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def website() -> Iterator[_Website]:
    """A municipality's own website: another origin (``localhost`` and its own port)."""
    server = _Website(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="website", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_the_embed_shows_chart_and_table_inside_another_sites_page(
    database: Database, live_server: str, website: _Website, new_page: NewPage
) -> None:
    origin = f"http://localhost:{website.server_address[1]}"
    world = make_public_world(database, make_tenant(database), origins=(origin,))
    dashboard = f"{live_server}/public/{world.tenant.slug}/performance"
    website.html = (
        "<!doctype html><html><head><title>Alpha municipality</title></head><body>"
        "<h1>Welcome to Alpha</h1>"
        f'<iframe id="embedded" title="Performance" src="{dashboard}/embed" '
        'style="width:100%;height:900px;border:0"></iframe>'
        f'<iframe id="refused" title="Full page" src="{dashboard}"></iframe>'
        "</body></html>"
    ).encode()
    page = new_page()
    page.goto(f"{origin}/")
    expect(page.get_by_role("heading", name="Welcome to Alpha")).to_be_visible()

    frame = page.frame_locator("#embedded")
    expect(frame.get_by_role("heading", name="How Alpha is doing")).to_be_visible()
    expect(frame.get_by_test_id("approved-only")).to_contain_text("Only results approved")
    row = frame.get_by_test_id("public-indicators").get_by_role("row").nth(1)
    expect(row).to_contain_text("Helpdesk tickets resolved")
    expect(row).to_contain_text("Does not meet target")
    # charts.js drew the Chart.js canvas over the trend table and folded the table away.
    trend = frame.get_by_test_id("trend-PUB1")
    expect(trend).to_have_attribute("data-drawn", "true")
    expect(trend.locator("canvas")).to_be_visible()
    expect(trend.get_by_role("img")).to_have_attribute(
        "aria-label",
        "PUB1 Helpdesk tickets resolved: actual against target. The same data is in the table view.",
    )
    table = trend.get_by_role("table")
    expect(table).to_be_hidden()
    trend.get_by_text("Table view").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(6)  # the heading and five quarters
    expect(table.get_by_role("row").last).to_contain_text("90")
    for secret in SECRETS:
        expect(frame.locator("body")).not_to_contain_text(secret)

    # The full page keeps X-Frame-Options: SAMEORIGIN and frame-ancestors 'self': the
    # browser refused to load it in the frame (page.goto waited for every frame to load).
    refused = page.frame_locator("#refused")
    expect(refused.get_by_role("heading", name="How Alpha is doing")).to_have_count(0)
    embedded_urls = [f.url for f in page.frames]
    assert f"{dashboard}/embed" in embedded_urls and dashboard not in embedded_urls
