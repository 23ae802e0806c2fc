"""Shared fixtures: one migrated database and one Redis for the session; every test makes
its own tenants (isolation is what is under test, so tests never need cleaning up)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.platform.services import Services
from saypro.platform.settings import DatabaseUrls, Settings
from saypro.platform.web.app import create_app
from tests import servers
from tests.factories import PASSWORD, TenantRef, UserRef, make_tenant, make_user, next_code
from tests.mail import Mailbox, SmtpServer, send_queued_mail

BASE_URL = "https://testserver.local"  # https: test clients only send Secure cookies over it


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    url, server = servers.admin_url()
    yield url
    del server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url, server = servers.redis_url()
    yield url
    del server


@pytest.fixture(scope="session")
def db_urls(admin_url: str) -> Iterator[DatabaseUrls]:
    with servers.fresh_database(admin_url) as urls:
        yield urls


@pytest.fixture(scope="session")
def database(db_urls: DatabaseUrls) -> Iterator[Database]:
    """The runtime role's engines (RLS applies)."""
    db = Database.connect(db_urls.runtime, pool_size=2)
    yield db
    db.sync_engine.dispose()


@pytest.fixture(scope="session")
def services(db_urls: DatabaseUrls, redis_url: str) -> Services:
    return Services(database=db_urls, redis_url=redis_url)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    """What the loopback mail server has received (tests tell messages apart by address)."""
    return smtp_server.mailbox


@pytest.fixture(scope="session")
def settings(smtp_server: SmtpServer) -> Settings:
    # The whole suite signs in from one test-client address; throttling is tested on its own.
    return Settings(
        SECRET_KEY=servers.TEST_SECRET_KEY,
        LOG_LEVEL="WARNING",
        LOGIN_ATTEMPTS_PER_MINUTE=100_000,
        SIGNUPS_PER_HOUR=100_000,
        PASSWORD_RESETS_PER_HOUR=100_000,
        PUBLIC_REQUESTS_PER_MINUTE=100_000,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_server.port,
        SMTP_SECURITY="none",
    )


@pytest.fixture
def deliver_mail(database: Database, settings: Settings) -> Callable[[], int]:
    """Run the ``email.send`` job for every queued message, as a worker would (real SMTP
    to the loopback server); returns how many were sent. Tests of the web flows use it
    instead of a worker thread, so they wait for nothing."""

    def deliver() -> int:
        return send_queued_mail(database, settings)

    return deliver


@pytest.fixture(scope="session")
def app(settings: Settings, services: Services) -> Litestar:
    return create_app(settings, services)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def another_client(settings: Settings, services: Services) -> Callable[[], TestClient[Litestar]]:
    """A second browser: its own app instance, because each test client runs its own
    event loop and an app's engines and Redis clients belong to the loop that started it."""
    return lambda: TestClient(create_app(settings, services), base_url=BASE_URL)


@pytest.fixture
def tenant_a(database: Database) -> TenantRef:
    return make_tenant(database, name=f"Alpha Local Municipality {secrets.token_hex(3)}")


@pytest.fixture
def tenant_b(database: Database) -> TenantRef:
    return make_tenant(database, name=f"Beta District Municipality {secrets.token_hex(3)}")


@pytest.fixture
def editor_a(database: Database, tenant_a: TenantRef) -> UserRef:
    return make_user(database, (tenant_a, Role.EDITOR), name="Alpha Editor")


@pytest.fixture
def editor_b(database: Database, tenant_b: TenantRef) -> UserRef:
    return make_user(database, (tenant_b, Role.EDITOR), name="Beta Editor")


def csrf_token(client: TestClient[Any]) -> str:
    """The CSRF cookie, fetched by a safe request if the client has none yet."""
    from saypro.platform.web.app import CSRF_COOKIE

    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return str(client.cookies[CSRF_COOKIE])


def login(client: TestClient[Any], user: UserRef, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "_csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    if response.headers["location"] == "/login/totp":
        # The user has a second factor on (see factories.enable_second_factor).
        response = client.post(
            "/login/totp",
            data={"code": next_code(user), "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 302, response.text
    client.headers["x-csrftoken"] = csrf_token(client)


@pytest.fixture
def client_a(client: TestClient[Any], editor_a: UserRef) -> TestClient[Any]:
    """Signed in as an editor of tenant A."""
    login(client, editor_a)
    return client
