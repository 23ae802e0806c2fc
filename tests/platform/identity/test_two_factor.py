"""Two-factor sign-in with TOTP: enrolment, the second sign-in step, recovery codes,
replays, throttling, and the accounts that must have it (SayPro staff, members of a
municipality that requires it)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity import second_factor_throttle, two_factor
from saypro.platform.identity.auth import SESSION_COOKIE
from saypro.platform.identity.models import RecoveryCode
from saypro.platform.identity.permissions import Role, StaffRole
from saypro.platform.identity.sign_in import PENDING_KEY, PENDING_SECONDS
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, TenantRef, UserRef, enable_second_factor, make_user
from tests.platform.identity.totp_support import (
    Codes,
    audit_events,
    enable_in_database,
    enrol,
    forget_failures,
    post,
    staff_member_of,
    stored_user,
)
from tests.servers import TEST_SECRET_KEY

NewClient = Callable[[], TestClient[Any]]


@pytest.fixture(autouse=True)
def _no_earlier_failures(redis_url: str) -> Iterator[None]:
    forget_failures(redis_url)
    yield
    forget_failures(redis_url)


def _sign_out(client: TestClient[Any]) -> None:
    assert post(client, "/logout").status_code in (302, 303)


def _first_step(client: TestClient[Any], user: UserRef, next_path: str = "/") -> Any:
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "next": next_path,
            "_csrf_token": csrf_token(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return response


def _second_step(client: TestClient[Any], code: str) -> Any:
    return post(client, "/login/totp", code=code)


TEST_CLIENT_ADDRESS = "testclient"  # what Litestar's test client reports as its host


def _enrolled_member(
    client: TestClient[Any], database: Database, tenant: TenantRef, role: Role
) -> tuple[UserRef, str, list[str], Codes]:
    """A new member of ``tenant``, signed in on ``client``, who switched the second factor on
    through the pages: the user, the secret, the recovery codes and codes to come."""
    user = make_user(database, (tenant, role))
    login(client, user)
    seed, recovery, codes = enrol(client)
    return user, seed, recovery, codes


def _member_with_codes(
    database: Database, tenant: TenantRef, role: Role = Role.VIEWER
) -> tuple[UserRef, Codes]:
    """A new member of ``tenant`` whose second factor is on (written directly)."""
    user = make_user(database, (tenant, role))
    return user, enable_in_database(database, user)


def _wrong_code(codes: Codes) -> str:
    """A code that is not the current one."""
    return "000000" if codes(0) != "000000" else "111111"


def _actions(database: Database, tenant: TenantRef, user: UserRef) -> list[str]:
    return [e.action for e in audit_events(database, tenant, user.id)]


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_needs_a_correct_code(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user = make_user(database, (tenant_a, Role.EDITOR))
    login(client, user)
    page = client.get("/account/security")
    assert page.status_code == 200 and "Two-factor sign-in is <strong>off</strong>" in page.text
    assert post(client, "/account/security/totp/setup").status_code in (302, 303)
    pending = client.get("/account/security").text
    assert 'src="data:image/svg+xml' in pending
    # The QR code is an image (the policy allows data: images; there is no script).
    assert "<script>" not in pending.split("<main", 1)[1]

    wrong = post(client, "/account/security/totp/confirm", code="000000")
    assert wrong.status_code == 400
    assert 'id="code-error"' in wrong.text and two_factor.WRONG_CODE in wrong.text
    empty = post(client, "/account/security/totp/confirm", code="")
    assert empty.status_code == 422 and 'id="code-error"' in empty.text
    assert stored_user(database, user).totp_enabled_at is None

    client.get("/account/security")
    _seed, recovery, _codes = enrol(client)  # a new secret: the set-up was started again
    assert len(set(recovery)) == 10
    page = client.get("/account/security")
    assert "Two-factor sign-in is <strong>on</strong>" in page.text
    assert "10 unused recovery codes left" in page.text
    # Shown once: the page never shows them again.
    assert not any(code in page.text for code in recovery)
    actions = _actions(database, tenant_a, user)
    assert "identity.two_factor_enabled" in actions


def test_the_seed_is_stored_encrypted_and_recovery_codes_as_hashes(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user, seed, recovery, _codes = _enrolled_member(client, database, tenant_a, Role.VIEWER)
    row = stored_user(database, user)
    assert row.totp_seed is not None
    assert seed not in row.totp_seed and seed.lower() not in row.totp_seed.lower()
    assert two_factor.seed_box(TEST_SECRET_KEY).decrypt(row.totp_seed) == seed
    with database.sync_sessions() as session:
        bind_tenant_sync(session, None)
        hashes = list(
            session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
        )
    assert len(hashes) == 10
    assert not set(hashes) & set(recovery)
    assert not any(code.replace("-", "") in stored for code in recovery for stored in hashes)


# --- signing in ----------------------------------------------------------------------------------


def test_sign_in_with_a_second_factor_asks_for_the_code(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user, codes = _member_with_codes(database, tenant_a, Role.EDITOR)
    workspace = f"/t/{tenant_a.slug}/"
    first = _first_step(client, user, next_path=workspace)
    assert first.headers["location"] == "/login/totp"
    client.headers["x-csrftoken"] = csrf_token(client)

    assert client.get("/login/totp").status_code == 200
    wrong = _second_step(client, "123456" if codes(0) != "123456" else "654321")
    assert wrong.status_code == 400
    assert "not right" in wrong.text

    # Half signed in is not signed in: no page, no API, no account page; and reaching for
    # one ends the pending sign-in (the first step must be done again).
    assert client.get(workspace, follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/account/security", follow_redirects=False).status_code == 302
    assert client.get(f"/api/v1/t/{tenant_a.slug}/objectives/").status_code == 401
    assert client.get("/login/totp", follow_redirects=False).headers["location"] == "/login"
    assert _second_step(client, codes(0)).headers["location"] == "/login"

    _first_step(client, user, next_path=workspace)
    right = _second_step(client, codes(0))
    assert right.status_code == 302 and right.headers["location"] == workspace
    assert client.get(workspace, follow_redirects=False).status_code == 200
    # The second step is over: the form sends a signed-in user back to sign in again.
    assert client.get("/login/totp", follow_redirects=False).headers["location"] == "/login"

    events = audit_events(database, tenant_a, user.id)
    failed = [e for e in events if e.action == "identity.sign_in_failed"]
    assert len(failed) == 1 and failed[0].after == {"step": "second_factor"}
    signed_in = [e for e in events if e.action == "identity.signed_in"]
    assert len(signed_in) == 1 and signed_in[0].after == {"second_factor": "totp"}


def test_the_session_id_changes_at_each_step(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user, codes = _member_with_codes(database, tenant_a)
    client.get("/login")
    before = client.cookies.get(SESSION_COOKIE)
    _first_step(client, user)
    pending = client.cookies.get(SESSION_COOKIE)
    client.headers["x-csrftoken"] = csrf_token(client)
    assert _second_step(client, codes(0)).status_code == 302
    after = client.cookies.get(SESSION_COOKIE)
    assert pending is not None and after is not None
    assert len({before, pending, after}) == 3


def test_a_code_is_accepted_once_even_within_its_window(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, another_client: NewClient
) -> None:
    user, codes = _member_with_codes(database, tenant_a)
    _first_step(client, user)
    assert _second_step(client, codes(0)).status_code == 302
    with another_client() as thief:
        _first_step(thief, user)
        replayed = _second_step(thief, codes(0))
        assert replayed.status_code == 400
        # An older code than the last accepted one is refused too, though within the drift.
        assert _second_step(thief, codes(-1)).status_code == 400
        assert _second_step(thief, codes(1)).status_code == 302


def test_a_recovery_code_signs_in_once(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, another_client: NewClient
) -> None:
    user, _seed, recovery, _codes = _enrolled_member(client, database, tenant_a, Role.VIEWER)
    _sign_out(client)

    _first_step(client, user)
    used = _second_step(client, recovery[3].upper())  # case and spacing do not matter
    assert used.status_code == 302
    page = client.get("/account/security")
    assert "9 unused recovery codes left" in page.text
    with another_client() as other:
        _first_step(other, user)
        assert _second_step(other, recovery[3]).status_code == 400
        assert _second_step(other, recovery[4]).status_code == 302
    events = audit_events(database, tenant_a, user.id)
    assert [e.after for e in events if e.action == "identity.signed_in"] == [
        None,  # before the second factor was on
        {"second_factor": "recovery_code"},
        {"second_factor": "recovery_code"},
    ]


def test_a_pending_sign_in_expires(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, redis_url: str
) -> None:
    user, codes = _member_with_codes(database, tenant_a)
    _first_step(client, user)
    # Age the pending sign-in in the session store, as if five minutes had passed.
    store = redis.Redis.from_url(redis_url)
    key = f"saypro-sessions:{client.cookies[SESSION_COOKIE]}"
    raw = store.get(key)
    assert raw is not None
    data = json.loads(raw)
    data[PENDING_KEY]["at"] = time.time() - PENDING_SECONDS - 1
    store.set(key, json.dumps(data), keepttl=True)
    store.close()
    assert client.get("/login/totp", follow_redirects=False).headers["location"] == "/login"
    client.headers["x-csrftoken"] = csrf_token(client)
    late = _second_step(client, codes(0))
    assert late.status_code == 302 and late.headers["location"] == "/login"
    assert client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 302


# --- throttling ----------------------------------------------------------------------------------


def test_wrong_codes_lock_the_account_for_a_while(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, redis_url: str
) -> None:
    user, codes = _member_with_codes(database, tenant_a)
    wrong = _wrong_code(codes)
    _first_step(client, user)
    for _ in range(second_factor_throttle.ACCOUNT_FAILURE_LIMIT):
        assert _second_step(client, wrong).status_code == 400
    locked = _second_step(client, codes(0))  # even the right code
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many wrong codes for this account" in locked.text
    failed = [
        e
        for e in audit_events(database, tenant_a, user.id)
        if e.action == "identity.sign_in_failed"
    ]
    assert len(failed) == second_factor_throttle.ACCOUNT_FAILURE_LIMIT
    forget_failures(redis_url, user.id)
    assert _second_step(client, codes(0)).status_code == 302


@pytest.fixture(autouse=True)
def fresh_address_count(redis_url: str) -> Iterator[None]:
    """Every test client comes from one address: each test here starts the address's count
    of wrong codes at zero and leaves none behind, so the wrong codes these tests send
    never lock other tests' sign-ins out."""
    client = redis.Redis.from_url(redis_url)
    key = second_factor_throttle.address_key(TEST_CLIENT_ADDRESS)
    client.delete(key)
    yield
    client.delete(key)
    client.close()


def test_wrong_codes_from_one_address_are_limited(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    per_account = second_factor_throttle.ACCOUNT_FAILURE_LIMIT
    accounts = -(-second_factor_throttle.ADDRESS_FAILURE_LIMIT // per_account)
    for _ in range(accounts):
        user, codes = _member_with_codes(database, tenant_a)
        wrong = _wrong_code(codes)
        _first_step(client, user)
        for _ in range(per_account):
            assert _second_step(client, wrong).status_code == 400
    fresh, codes = _member_with_codes(database, tenant_a)
    _first_step(client, fresh)
    limited = _second_step(client, codes(0))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "from this address" in limited.text


# --- managing the second factor ------------------------------------------------------------------


def test_recovery_codes_are_replaced_with_a_current_code(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, another_client: NewClient
) -> None:
    user, _seed, old, codes = _enrolled_member(client, database, tenant_a, Role.VIEWER)
    refused = post(client, "/account/security/recovery-codes", code="000000")
    assert refused.status_code == 400 and 'id="code-error"' in refused.text
    replaced = post(client, "/account/security/recovery-codes", code=codes(0))
    assert replaced.status_code == 200
    new = [c for c in old if c in replaced.text]
    assert new == []
    with another_client() as other:
        _first_step(other, user)
        assert _second_step(other, old[0]).status_code == 400
    actions = _actions(database, tenant_a, user)
    assert "identity.recovery_codes_replaced" in actions


def test_a_municipal_user_may_switch_it_off_with_a_current_code(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user, _seed, _recovery, codes = _enrolled_member(client, database, tenant_a, Role.EDITOR)
    assert post(client, "/account/security/totp/disable", code="000000").status_code == 400
    assert stored_user(database, user).totp_enabled_at is not None
    off = post(client, "/account/security/totp/disable", code=codes(0))
    assert off.status_code == 200 and "Two-factor sign-in is off." in off.text
    row = stored_user(database, user)
    assert row.totp_enabled_at is None and row.totp_seed is None
    _sign_out(client)
    assert _first_step(client, user).headers["location"] == "/"  # no second step any more
    actions = _actions(database, tenant_a, user)
    assert "identity.two_factor_disabled" in actions


# --- accounts that must have it ------------------------------------------------------------------


def test_staff_without_a_second_factor_must_enrol_before_anything_else(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    staff = staff_member_of(database, tenant_a, StaffRole.PLATFORM_ADMIN)
    login(client, staff)
    for path in ("/", f"/t/{tenant_a.slug}/", "/account/password"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"] == "/account/security"
    api = client.get(f"/api/v1/t/{tenant_a.slug}/objectives/")
    assert api.status_code == 403
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "two-factor sign-in" in api.json()["detail"]
    page = client.get("/account/security")
    assert page.status_code == 200 and 'data-testid="two-factor-required"' in page.text
    assert client.get("/static/css/app.css").status_code == 200

    _seed, _recovery, codes = enrol(client)
    assert client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
    assert client.get(f"/api/v1/t/{tenant_a.slug}/objectives/").status_code == 200

    # Staff cannot switch it off, even with a right code.
    refused = post(client, "/account/security/totp/disable", code=codes(0))
    assert refused.status_code == 409
    assert "must keep two-factor sign-in on" in refused.text
    assert stored_user(database, staff).totp_enabled_at is not None
    _sign_out(client)
    assert _first_step(client, staff).headers["location"] == "/login/totp"


def test_staff_with_a_second_factor_are_not_held_up(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    staff = staff_member_of(database, tenant_a, StaffRole.FINANCE)
    enable_second_factor(database, staff)
    login(client, staff)  # password, then a code from the app
    assert client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
    assert client.get("/account/security", follow_redirects=False).status_code == 200


def test_staff_can_sign_out_before_enrolling(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    staff = staff_member_of(database, tenant_a)
    login(client, staff)
    _sign_out(client)
    assert (
        client.get("/account/security", follow_redirects=False)
        .headers["location"]
        .startswith("/login")
    )


def test_a_municipality_can_require_a_second_factor_of_its_members(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    editor_a: UserRef,
    another_client: NewClient,
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN), name="Alpha Admin")
    settings_path = f"/t/{tenant_a.slug}/settings/security/"
    with another_client() as editor:
        login(editor, editor_a)
        assert editor.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
        assert editor.get(settings_path).status_code == 403  # members.manage only

        login(client, admin)
        page = client.get(settings_path)
        assert page.status_code == 200 and "Alpha Editor" in page.text
        saved = post(client, settings_path, require_two_factor="true")
        assert saved.status_code in (302, 303)

        # The member's next request leads to the enrolment page; the admin's too.
        forced = editor.get(f"/t/{tenant_a.slug}/", follow_redirects=False)
        assert forced.headers["location"] == "/account/security"
        forced = client.get(settings_path, follow_redirects=False)
        assert forced.headers["location"] == "/account/security"
        enrol(client)
        assert 'name="require_two_factor" value="true" checked' in client.get(settings_path).text
        _seed, _recovery, codes = enrol(editor)
        assert editor.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
        refused = post(editor, "/account/security/totp/disable", code=codes(0))
        assert refused.status_code == 409

    # Another municipality's members are not affected.
    other = make_user(database, (tenant_b, Role.EDITOR))
    with another_client() as browser:
        login(browser, other)
        assert browser.get(f"/t/{tenant_b.slug}/", follow_redirects=False).status_code == 200

    changes = [
        e
        for e in audit_events(database, tenant_a, tenant_a.id)
        if e.action == "tenant.two_factor_requirement_changed"
    ]
    assert len(changes) == 1
    assert changes[0].before == {"require_two_factor": False}
    assert changes[0].after == {"require_two_factor": True}
    assert changes[0].actor_id == admin.id


def test_switching_the_requirement_off_frees_members_and_bad_input_changes_nothing(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    login(client, admin)
    settings_path = f"/t/{tenant_a.slug}/settings/security/"
    bad = post(client, settings_path, require_two_factor="perhaps")
    assert bad.status_code == 422 and "require_two_factor" in bad.text
    assert "checked" not in client.get(settings_path).text
    assert post(client, settings_path, require_two_factor="true").status_code in (302, 303)
    _seed, _recovery, _codes = enrol(client)
    assert post(client, settings_path).status_code in (302, 303)  # unticked
    assert 'value="true" checked' not in client.get(settings_path).text
