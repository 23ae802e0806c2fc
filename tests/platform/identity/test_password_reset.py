"""Resetting a forgotten password by email: the same answer for every address, a link
that works once and expires, every session ended, the reset on the record and the owner
told; requests limited per client address and per account."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.password_reset import RESETS_PER_ACCOUNT_PER_HOUR
from saypro.platform.identity.permissions import Role
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.web.app import create_app
from tests.conftest import BASE_URL, csrf_token, login
from tests.factories import PASSWORD, TenantRef, make_user
from tests.mail import Mailbox, link_in, text_of
from tests.platform.identity.password_support import (
    audit_actions,
    login_status,
    signed_in_elsewhere,
    signed_out,
)
from tests.platform.signup.helpers import choose_password, expire_links, forget_limits

NEW_PASSWORD = "a forgotten passphrase no more"
Deliver = Callable[[], int]
SAME_ANSWER = "If an account exists for"


def _ask(client: TestClient[Any], email: str) -> Any:
    return client.post("/password-reset", data={"email": email, "_csrf_token": csrf_token(client)})


def _reset_path(mailbox: Mailbox, email: str, count: int = 1) -> str:
    link = link_in(mailbox.wait_for(email, count=count), "/password-reset/")
    return "/" + link.split("/", 3)[3]


def _asked_link(
    client: TestClient[Any], mailbox: Mailbox, deliver_mail: Deliver, email: str
) -> str:
    """Ask for a reset link for ``email`` and return the path of the one emailed."""
    _ask(client, email)
    deliver_mail()
    return _reset_path(mailbox, email)


def test_the_login_page_links_to_password_reset(client: TestClient[Any]) -> None:
    page = client.get("/login")
    assert 'href="/password-reset"' in page.text and "Forgot your password?" in page.text
    form = client.get("/password-reset")
    assert form.status_code == 200 and 'action="/password-reset"' in form.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Deliver,
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    deliver_mail()
    nobody = f"nobody-{secrets.token_hex(4)}@example.org"
    known = _ask(client, user.email)
    unknown = _ask(client, nobody)
    assert known.status_code == unknown.status_code == 200
    assert SAME_ANSWER in known.text and SAME_ANSWER in unknown.text
    # The pages differ only in the address typed in.
    assert known.text.replace(user.email, "X") == unknown.text.replace(nobody, "X")
    deliver_mail()
    assert mailbox.to(nobody) == []
    message = mailbox.wait_for(user.email)
    assert "Reset your SayPro password" in str(message["Subject"])
    assert "within 60 minutes" in text_of(message)


def test_the_link_sets_a_new_password_once_and_ends_every_session(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Deliver,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    user = make_user(database, (tenant_a, Role.EDITOR))
    workspace = f"/t/{tenant_a.slug}/"
    with signed_in_elsewhere(another_client, user, workspace) as laptop:
        path = _asked_link(client, mailbox, deliver_mail, user.email)
        page = client.get(path)
        assert page.status_code == 200 and "Choose a new password" in page.text
        mismatch = client.post(
            path,
            data={
                "password": NEW_PASSWORD,
                "confirm_password": "something else entirely",
                "_csrf_token": csrf_token(client),
            },
        )
        assert mismatch.status_code == 422 and "does not match" in mismatch.text
        done = choose_password(client, path, NEW_PASSWORD)
        assert done.status_code in (302, 303)
        assert "Your password was reset" in client.get(done.headers["location"]).text
        # The signed-in laptop is signed out.
        assert signed_out(laptop, workspace)
    # Used: the link does nothing a second time.
    again = client.get(path)
    assert again.status_code == 410 and "already used" in again.text
    assert choose_password(client, path, "yet another passphrase 99").status_code == 410
    with another_client() as fresh:
        assert login_status(fresh, user.email, PASSWORD) == 400
        login(fresh, user, password=NEW_PASSWORD)
    assert "identity.password_reset" in audit_actions(database, tenant_a, user.id)
    deliver_mail()
    notice = mailbox.wait_for(user.email, count=2)
    assert "Your SayPro password was reset" in str(notice["Subject"])
    assert link_in(notice, "/password-reset").endswith("/password-reset")


def test_an_expired_link_is_refused(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Deliver,
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    path = _asked_link(client, mailbox, deliver_mail, user.email)
    expire_links(database, user.id)
    expired = client.get(path)
    assert expired.status_code == 410
    assert "expired" in expired.text and 'href="/password-reset"' in expired.text
    assert choose_password(client, path, NEW_PASSWORD).status_code == 410
    with TestClient(client.app, base_url=BASE_URL) as fresh:
        login(fresh, user)  # the old password still works


def test_a_newer_link_retires_the_older_one(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Deliver,
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    _ask(client, user.email)
    _ask(client, user.email)
    deliver_mail()
    first, second = _reset_path(mailbox, user.email), _reset_path(mailbox, user.email, count=2)
    assert client.get(first).status_code == 410
    assert choose_password(client, second, NEW_PASSWORD).status_code in (302, 303)


def test_requests_are_limited_per_account(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Deliver,
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    for address in (user.email, f"still-nobody-{secrets.token_hex(4)}@example.org"):
        for _ in range(RESETS_PER_ACCOUNT_PER_HOUR):
            assert _ask(client, address).status_code == 200
        limited = _ask(client, address)
        # Known or not, the account's limit answers alike.
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert "Too many password-reset requests for this account" in limited.text
    deliver_mail()
    assert len(mailbox.to(user.email)) == RESETS_PER_ACCOUNT_PER_HOUR


def test_requests_are_limited_per_client_address(
    settings: Settings, services: Services, redis_url: str
) -> None:
    strict = settings.model_copy(update={"password_resets_per_hour": 2})
    forget_limits(redis_url, "password-reset")
    with TestClient(create_app(strict, services), base_url=BASE_URL) as client:
        people = [f"person-{secrets.token_hex(4)}@example.org" for _ in range(4)]
        statuses = [_ask(client, address).status_code for address in people[:3]]
        limited = _ask(client, people[3])
    assert statuses.count(200) <= 2 and statuses[-1] == 429
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
