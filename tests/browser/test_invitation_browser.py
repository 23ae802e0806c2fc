"""Inviting a colleague in a real browser: the admin sends the invitation from the members
page, the email is delivered by the worker over SMTP, and the colleague opens its link in
another browser, chooses a password and lands in the workspace."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from tests.browser.conftest import NewPage, SignIn
from tests.factories import make_tenant, make_user
from tests.mail import Mailbox, link_in

pytestmark = pytest.mark.browser

# Long enough for the relay to notice the commit, Redis to deliver and the worker to send.
MAIL_TIMEOUT_S = 20.0


@pytest.mark.usefixtures("worker")
def test_admin_invites_a_colleague_who_joins_with_a_new_password(
    database: Database, signed_in_page: SignIn, new_page: NewPage, mailbox: Mailbox
) -> None:
    tenant = make_tenant(database, name="Cederberg Browser Municipality")
    admin = make_user(database, (tenant, Role.TENANT_ADMIN), name="Lindiwe Admin")
    colleague = f"colleague-{secrets.token_hex(4)}@cederberg.gov.za"

    page = signed_in_page(admin)
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name=f"Members of {tenant.name}")).to_be_visible()
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Email").fill(colleague)
    form.get_by_label("Role").select_option("editor")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("members-notice")).to_contain_text("Invitation sent")
    expect(page.get_by_test_id("invitations")).to_contain_text(colleague)

    message = mailbox.wait_for(colleague, timeout=MAIL_TIMEOUT_S)
    link = link_in(message, f"/join/{tenant.slug}/")

    newcomer = new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_test_id("invitation-details")).to_contain_text(tenant.name)
    expect(newcomer.get_by_test_id("invitation-details")).to_contain_text("editor")
    newcomer.get_by_label("Your name").fill("Ayanda Colleague")
    newcomer.get_by_label(re.compile(r"^Password at least")).fill("mountain fynbos 2026")
    newcomer.get_by_label("Password again").fill("mountain fynbos 2026")
    newcomer.get_by_role("button", name="Create account and join").click()

    expect(newcomer).to_have_url(re.compile(rf"/t/{tenant.slug}/$"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(tenant.name)
    expect(newcomer.get_by_text("Your role: editor")).to_be_visible()
    expect(newcomer.get_by_role("link", name="Ayanda Colleague")).to_be_visible()

    # The admin's list now shows the new member and no pending invitation.
    page.reload()
    expect(page.get_by_test_id("members")).to_contain_text("Ayanda Colleague")
    expect(page.get_by_test_id("no-invitations")).to_be_visible()
