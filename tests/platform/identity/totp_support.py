"""Helpers for second-factor tests: codes computed by pyotp from the enrolled secret,
enrolment through the real pages, staff accounts and audit reading."""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pyotp
import redis
from litestar.testing import TestClient
from sqlalchemy import select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity import second_factor_throttle, totp
from saypro.platform.identity.models import User
from saypro.platform.identity.permissions import Role, StaffRole
from tests.conftest import csrf_token
from tests.factories import TenantRef, UserRef, enable_second_factor, make_user

# Each code is for a time step relative to one fixed step; the server accepts the step
# before and after the current one, so a test can use up to three codes without waiting.
Codes = Callable[[int], str]
SECRET_PATTERN = re.compile(r'data-testid="totp-secret">([A-Z2-7]+)<')
RECOVERY_PATTERN = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")
TEST_CLIENT_ADDRESS = "testclient"


def codes_for(seed: str) -> Codes:
    """Codes relative to the current step, started early enough in the step that the
    codes stay valid for the next half minute whatever rolls over meanwhile."""
    remaining = totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS
    if remaining < 3:
        time.sleep(remaining + 0.1)
    base = totp.current_step()
    generator = pyotp.TOTP(seed)
    return lambda offset: generator.generate_otp(base + offset)


def post(client: TestClient[Any], path: str, **form: str) -> Any:
    return client.post(
        path, data={"_csrf_token": csrf_token(client), **form}, follow_redirects=False
    )


def secret_on_page(page_html: str) -> str:
    match = SECRET_PATTERN.search(page_html)
    assert match is not None, "the enrolment page shows no secret"
    return match.group(1)


def recovery_codes_on_page(page_html: str) -> list[str]:
    return [html.unescape(code) for code in RECOVERY_PATTERN.findall(page_html)]


def enrol(client: TestClient[Any]) -> tuple[str, list[str], Codes]:
    """Switch the signed-in user's second factor on through the pages; returns the secret,
    the recovery codes shown once, and codes for the steps after the one used here."""
    assert post(client, "/account/security/totp/setup").status_code in (302, 303)
    seed = secret_on_page(client.get("/account/security").text)
    codes = codes_for(seed)
    confirmed = post(client, "/account/security/totp/confirm", code=codes(-1))
    assert confirmed.status_code == 200, confirmed.text
    recovery = recovery_codes_on_page(confirmed.text)
    assert len(recovery) == totp.RECOVERY_CODE_COUNT
    return seed, recovery, codes


def enable_in_database(database: Database, user: UserRef) -> Codes:
    """Second factor on, written directly (for tests about signing in, not enrolment)."""
    return codes_for(enable_second_factor(database, user))


def staff_member_of(
    database: Database, tenant: TenantRef, role: StaffRole = StaffRole.CONSULTANT
) -> UserRef:
    """A SayPro staff member who is also a member of ``tenant`` (so their account events
    land on a trail the test can read)."""
    user = make_user(database, (tenant, Role.VIEWER), name="Sipho Staff")
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        session.execute(update(User).where(User.id == user.id).values(staff_role=role))
    return user


def audit_events(database: Database, tenant: TenantRef, entity_id: uuid.UUID) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.entity_id == entity_id).order_by(AuditEvent.seq)
            )
        )
        session.expunge_all()
        return events


def stored_user(database: Database, user: UserRef) -> User:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, None)
        row = session.get(User, user.id)
        assert row is not None
        session.expunge(row)
        return row


def forget_failures(redis_url: str, *user_ids: uuid.UUID) -> None:
    """Counts of wrong codes from the test client's address outlive a test (15 minutes);
    tests that are not about the address limit start from zero."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(second_factor_throttle.address_key(TEST_CLIENT_ADDRESS))
        for user_id in user_ids:
            client.delete(second_factor_throttle.account_key(user_id))
    finally:
        client.close()
