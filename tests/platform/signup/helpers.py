"""Filling in the sign-up form and reading what it made."""

from __future__ import annotations

import secrets
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from saypro.platform.db.engine import Database
from saypro.platform.identity.models import AccountLink, Membership, User
from saypro.platform.tenancy.models import Tenant
from tests.conftest import csrf_token

PASSWORD = "a municipal passphrase 2026"


def unique_code() -> str:
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(3)) + str(
        secrets.randbelow(1000)
    )


def signup_form(**overrides: str) -> dict[str, str]:
    suffix = secrets.token_hex(3)
    form = {
        "municipality_name": f"Umzimvubu Local Municipality {suffix}",
        "demarcation_code": unique_code(),
        "province": "EC",
        "category": "B",
        "vat_number": "4123456789",
        "slug": "",
        "full_name": "Nomsa Dlamini",
        "email": f"ict-{suffix}@umzimvubu.example.gov.za",
    }
    form.update(overrides)
    return form


def sign_up(client: TestClient[Any], form: dict[str, str]) -> Any:
    return client.post(
        "/signup", data={**form, "_csrf_token": csrf_token(client)}, follow_redirects=False
    )


def choose_password(client: TestClient[Any], path: str, password: str = PASSWORD) -> Any:
    return client.post(
        path,
        data={
            "password": password,
            "confirm_password": password,
            "_csrf_token": csrf_token(client),
        },
        follow_redirects=False,
    )


def counts(database: Database) -> tuple[int, int, int]:
    """Municipalities, accounts and memberships in the whole database."""
    with database.sync_sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Tenant)) or 0,
            session.scalar(select(func.count()).select_from(User)) or 0,
            session.scalar(select(func.count()).select_from(Membership)) or 0,
        )


def tenant_by_code(database: Database, code: str) -> Tenant | None:
    with database.sync_sessions() as session:
        return session.scalar(select(Tenant).where(Tenant.demarcation_code == code))


def user_by_email(database: Database, email: str) -> User | None:
    with database.sync_sessions() as session:
        return session.scalar(select(User).where(User.email == email))


def expire_links(
    database: Database, user_id: uuid.UUID, *, ago: timedelta = timedelta(seconds=1)
) -> None:
    """Move the account's links past their expiry, ``ago`` before now (as if their
    lifetime had passed)."""
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(AccountLink)
            .where(AccountLink.user_id == user_id)
            .values(expires_at=datetime.now(UTC) - ago)
        )


def forget_limits(redis_url: str, purpose: str) -> None:
    """Start a test of a per-client limit from zero: counts of requests from the test
    client's address (earlier tests, earlier runs) last an hour."""
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter(match=f"saypro:limit:{purpose}:*"):
        store.delete(key)
    store.close()
