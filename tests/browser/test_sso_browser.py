"""Single sign-on in a real browser: a person presses their municipality's button, signs
in on the identity provider's own page (a real OpenID provider on loopback) and lands in
the workspace, their account created on the way."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from saypro.platform.db.engine import Database
from saypro.platform.identity.models import User
from saypro.platform.identity.permissions import Role
from tests.browser.conftest import NewPage
from tests.factories import make_tenant
from tests.oidc.server import OidcProvider, start_provider
from tests.platform.identity.sso.conftest import configure_sso

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_oidc_provider() -> Iterator[OidcProvider]:
    provider = start_provider()
    try:
        yield provider
    finally:
        provider.stop()


def test_a_person_signs_in_with_the_municipalitys_account_and_lands_in_the_workspace(
    database: Database,
    live_server: str,
    new_page: NewPage,
    browser_oidc_provider: OidcProvider,
) -> None:
    tenant = make_tenant(database, name=f"Cederberg SSO Municipality {secrets.token_hex(2)}")
    configure_sso(
        database, tenant, browser_oidc_provider, base_url=live_server, default_role=Role.VIEWER
    )
    account = browser_oidc_provider.add_account(
        f"sipho-{secrets.token_hex(4)}@example.org", name="Sipho Mokoena"
    )

    page = new_page()
    page.goto(f"/login/{tenant.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sign in to {tenant.name}")
    page.get_by_role("link", name=f"Sign in with {tenant.name}'s account").click()

    # The identity provider's own sign-in page.
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(browser_oidc_provider.issuer)}/interaction/")
    )
    page.get_by_label("Username").fill(account.login)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in to the identity provider").click()

    # Back in SayPro, signed in, in the municipality's workspace.
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/t/{tenant.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tenant.name)
    expect(page.get_by_text("Your role: viewer")).to_be_visible()
    expect(page.get_by_role("link", name="Sipho Mokoena")).to_be_visible()
    with database.sync_sessions() as session:
        created = session.scalar(select(User).where(func.lower(User.email) == account.email))
    assert created is not None and created.password_hash is None
