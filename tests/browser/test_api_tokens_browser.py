"""API tokens in a real browser: make one on the account page, use it from a program
(plain HTTP, no cookies) against the live server, revoke it, and see it refused."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from tests.browser.conftest import SignIn
from tests.factories import make_tenant, make_user

pytestmark = pytest.mark.browser


def _call(url: str, token: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_token_made_on_the_page_works_until_it_is_revoked(
    database: Database, signed_in_page: SignIn, live_server: str
) -> None:
    tenant = make_tenant(database, name="Cederberg Token Municipality")
    editor = make_user(database, (tenant, Role.EDITOR), name="Sipho Scripter")
    page = signed_in_page(editor)

    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="Personal API tokens")).to_be_visible()
    form = page.get_by_test_id("token-form")
    form.get_by_label("Name").fill("Nightly export")
    form.get_by_label("Municipality").select_option(tenant.slug)
    form.get_by_label("strategy.read").check()
    form.get_by_label("Expires after").fill("7")
    form.get_by_role("button", name="Make token").click()

    secret = page.get_by_test_id("token-secret").inner_text()
    assert re.fullmatch(r"spk_[A-Za-z0-9_-]{43}", secret)
    row = page.get_by_test_id("token-row").first
    expect(row).to_contain_text("Nightly export")
    expect(row).to_contain_text("active")

    api = f"{live_server}/api/v1/t/{tenant.slug}/objectives"
    status, body = _call(api, secret)
    assert (status, body["total"]) == (200, 0)

    page.goto("/account/tokens")
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    expect(page.get_by_test_id("token-secret")).to_have_count(0)  # shown once only
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("token-row").first).to_contain_text("revoked")

    status, body = _call(api, secret)
    assert status == 401 and body["status"] == 401
