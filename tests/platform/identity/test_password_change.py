"""Changing the password: the old one stops working, every other session ends, this
browser stays signed in, and the change is on the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, TenantRef, make_user
from tests.mail import Mailbox, link_in, text_of
from tests.platform.identity.password_support import (
    audit_actions,
    login_status,
    signed_in_elsewhere,
    signed_out,
)

NEW_PASSWORD = "a brand new passphrase 2026"


def _change(client: TestClient[Any], current: str, new: str, confirm: str | None = None) -> Any:
    form = {"current_password": current, "new_password": new, "confirm_password": confirm or new}
    return client.post(
        "/account/password",
        data={"_csrf_token": csrf_token(client), **form},
        follow_redirects=False,
    )


def test_changing_the_password_ends_every_other_session(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    user = make_user(database, (tenant_a, Role.EDITOR))
    workspace = f"/t/{tenant_a.slug}/"
    with signed_in_elsewhere(another_client, user, workspace) as laptop:
        login(client, user)
        changed = _change(client, PASSWORD, NEW_PASSWORD)
        assert changed.status_code in (302, 303)
        assert "Every other session was signed out" in client.get(changed.headers["location"]).text
        assert (
            client.get(workspace, follow_redirects=False).status_code == 200
        )  # this browser stays in
        assert signed_out(laptop, workspace)
    with another_client() as fresh:
        assert login_status(fresh, user.email, PASSWORD) == 400
        login(fresh, user, password=NEW_PASSWORD)
    assert "identity.password_changed" in audit_actions(database, tenant_a, user.id)


def test_wrong_current_password_or_bad_new_one_changes_nothing(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    login(client, user)
    wrong = _change(client, "not my password", NEW_PASSWORD)
    assert wrong.status_code == 400 and 'id="current_password-error"' in wrong.text
    short = _change(client, PASSWORD, "short")
    assert short.status_code == 422 and 'id="new_password-error"' in short.text
    mismatch = _change(client, PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "!")
    assert mismatch.status_code == 422 and 'id="confirm_password-error"' in mismatch.text
    assert client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
    client.post("/logout", data={"_csrf_token": csrf_token(client)})
    login(client, user)  # the original password still works


def test_changing_the_password_needs_a_sign_in(client: TestClient[Any]) -> None:
    response = client.get("/account/password", follow_redirects=False)
    assert response.headers["location"].startswith("/login")


def test_the_owner_is_told_by_email_and_a_refused_change_sends_nothing(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> None:
    user = make_user(database, (tenant_a, Role.EDITOR), name="Thandi Mokoena")
    login(client, user)
    assert _change(client, "not my password", NEW_PASSWORD).status_code == 400
    deliver_mail()
    assert mailbox.to(user.email) == []

    assert _change(client, PASSWORD, NEW_PASSWORD).status_code == 302
    deliver_mail()
    message = mailbox.wait_for(user.email)
    assert message["Subject"] == "Your SayPro password was changed"
    body = text_of(message)
    assert "Hello Thandi Mokoena" in body and user.email in body
    assert link_in(message, "/password-reset").startswith("https://testserver.local/")
