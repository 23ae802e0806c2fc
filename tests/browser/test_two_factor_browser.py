"""Two-factor sign-in in a real browser: a SayPro staff member is sent to set up an
authenticator app before anything else, reads the secret from the page, switches the
second factor on, signs out, and signs in again with password and code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import StaffRole
from tests.browser.conftest import NewPage, sign_in
from tests.factories import make_tenant
from tests.platform.identity.totp_support import codes_for, staff_member_of

pytestmark = pytest.mark.browser


def test_staff_enrol_then_sign_in_with_password_and_code(
    database: Database, new_page: NewPage
) -> None:
    tenant = make_tenant(database, name="Drakenstein Browser Municipality")
    staff = staff_member_of(database, tenant, StaffRole.CONSULTANT)

    page = sign_in(new_page(), staff)
    # Nothing else opens before the second factor is set up.
    expect(page).to_have_url(re.compile(r"/account/security$"))
    expect(page.get_by_test_id("two-factor-required")).to_be_visible()
    page.goto(f"/t/{tenant.slug}/")
    expect(page).to_have_url(re.compile(r"/account/security$"))

    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    codes = codes_for(secret)
    page.get_by_label("Current code from your app").fill(codes(-1))
    page.get_by_role("button", name="Switch on two-factor sign-in").click()
    expect(page.get_by_test_id("two-factor-message")).to_have_text("Two-factor sign-in is on.")
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)

    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page).not_to_have_url(re.compile(r"/(account/security|login)"))
    page.goto(f"/t/{tenant.slug}/")
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/$"))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    sign_in(page, staff)
    expect(page).to_have_url(re.compile(r"/login/totp$"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(codes(0))
    page.get_by_role("button", name="Verify").click()
    expect(page).not_to_have_url(re.compile(r"/(account/security|login)"))
    expect(page.locator("header")).to_contain_text("Sipho Staff")
    page.goto(f"/t/{tenant.slug}/")
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/$"))
    expect(page.locator("header")).to_contain_text(tenant.name)
