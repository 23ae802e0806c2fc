"""A municipality's first day in a real browser: sign up, read the verification email the
worker delivered to the loopback mail server, follow its link, choose a password and
land in the new workspace with the onboarding checklist; invite a colleague from the
members page, who opens the emailed invitation in another browser, chooses a password
and sees the workspace; the checklist ticks the invitation off."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewPage
from tests.mail import Mailbox, link_in
from tests.platform.signup.helpers import PASSWORD, unique_code

pytestmark = pytest.mark.browser
# Long enough for the relay to notice the commit and the worker to send the message.
MAIL_TIMEOUT_S = 20.0


@pytest.mark.usefixtures("worker")
def test_sign_up_verify_invite_a_colleague_who_joins_and_sees_the_workspace(
    page: Page, new_page: NewPage, mailbox: Mailbox
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

    # The new admin invites a colleague, who joins through the emailed link.
    colleague = f"colleague-{suffix}@bnlm.example.gov.za"
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name=f"Members of {name}")).to_be_visible()
    invite = page.get_by_test_id("invite-form")
    invite.get_by_label("Email").fill(colleague)
    invite.get_by_label("Role").select_option("editor")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("members-notice")).to_contain_text("Invitation sent")
    expect(page.get_by_test_id("invitations")).to_contain_text(colleague)

    invitation = mailbox.wait_for(colleague, timeout=MAIL_TIMEOUT_S)
    newcomer = new_page()
    newcomer.goto(urlparse(link_in(invitation, f"/join/{slug}/")).path)
    expect(newcomer.get_by_test_id("invitation-details")).to_contain_text(name)
    expect(newcomer.get_by_test_id("invitation-details")).to_contain_text("editor")
    newcomer.get_by_label("Your name").fill("Ayanda Colleague")
    newcomer.get_by_label(re.compile(r"^Password at least")).fill("mountain fynbos 2026")
    newcomer.get_by_label("Password again").fill("mountain fynbos 2026")
    newcomer.get_by_role("button", name="Create account and join").click()
    expect(newcomer).to_have_url(re.compile(rf"/t/{slug}/$"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(name)
    expect(newcomer.get_by_text("Your role: editor")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("members")).to_contain_text("Ayanda Colleague")
    expect(page.get_by_test_id("no-invitations")).to_be_visible()
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Overview").click()
    invited = page.get_by_test_id("onboarding").locator('[data-step="colleague_invited"]')
    expect(invited).to_have_attribute("data-done", "true")
