"""Signing a municipality up in a real browser: fill in the form, read the verification
email the worker delivered to the loopback mail server, follow its link, choose a
password and land in the new workspace with the onboarding checklist."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.mail import Mailbox, link_in
from tests.platform.signup.helpers import PASSWORD, unique_code

pytestmark = pytest.mark.browser
# Long enough for the relay to notice the commit and the worker to send the message.
MAIL_TIMEOUT_S = 20.0


@pytest.mark.usefixtures("worker")
def test_a_municipality_signs_up_verifies_and_lands_in_its_workspace(
    page: Page, mailbox: Mailbox
) -> None:
    suffix = secrets.token_hex(3)
    name = f"Dr Beyers Naude Local Municipality {suffix}"
    email = f"ict-manager-{suffix}@bnlm.example.gov.za"

    page.goto("/login")
    page.get_by_role("link", name="Sign it up").click()
    expect(page.get_by_role("heading", name="Sign up your municipality")).to_be_visible()
    form = page.get_by_test_id("signup-form")
    form.get_by_label("Municipality name").fill(name)
    form.get_by_label("Demarcation code").fill(unique_code())
    form.get_by_label("Province").select_option(label="Eastern Cape")
    form.get_by_label("Category").select_option("B")
    form.get_by_label("VAT number").fill("4987654321")
    form.get_by_label("Full name").fill("Lindiwe Mokoena")
    form.get_by_label("Work email").fill(email)
    form.get_by_role("button", name="Sign up").click()
    expect(page.get_by_test_id("signup-sent")).to_contain_text(email)

    message = mailbox.wait_for(email, timeout=MAIL_TIMEOUT_S)
    link = urlparse(link_in(message, "/signup/verify/"))
    page.goto(link.path)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label(re.compile(r"^Password at least \d+ characters")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()

    slug = name.lower().replace(" ", "-")
    expect(page).to_have_url(re.compile(rf"/t/{slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    checklist = page.get_by_test_id("onboarding")
    expect(checklist).to_be_visible()
    expect(checklist.locator('[data-step="email_verified"]')).to_have_attribute("data-done", "true")
    expect(
        checklist.get_by_role("link", name=re.compile("Review the seeded ICT strategy"))
    ).to_be_visible()
    expect(
        checklist.get_by_role("link", name="Invite a colleague to the workspace")
    ).to_be_visible()
