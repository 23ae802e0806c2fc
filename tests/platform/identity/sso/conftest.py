"""A real OpenID provider for the session, and municipalities that use it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.sso.configuration import secret_box
from saypro.platform.identity.sso.models import SsoProvider
from tests.conftest import BASE_URL
from tests.factories import TenantRef
from tests.oidc.server import Account, Client, OidcProvider, start_provider
from tests.servers import TEST_SECRET_KEY

DOMAIN = "example.org"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    provider = start_provider()
    try:
        yield provider
    finally:
        provider.stop()


@dataclass(frozen=True)
class SsoSetup:
    tenant: TenantRef
    provider: OidcProvider
    client: Client

    def new_account(self, *, domain: str = DOMAIN, **options: Any) -> Account:
        return self.provider.add_account(f"person-{secrets.token_hex(5)}@{domain}", **options)


def configure_sso(
    database: Database,
    tenant: TenantRef,
    provider: OidcProvider,
    *,
    base_url: str = BASE_URL,
    sso_required: bool = False,
    default_role: Role = Role.EDITOR,
    domains: tuple[str, ...] = (DOMAIN,),
) -> SsoSetup:
    """Register a client for the municipality at the provider and store its settings."""
    client = provider.register_client(f"{base_url}/login/{tenant.slug}/sso/callback")
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        session.add(
            SsoProvider(
                issuer=provider.issuer,
                client_id=client.client_id,
                client_secret_encrypted=secret_box(TEST_SECRET_KEY).encrypt(client.client_secret),
                allowed_domains=list(domains),
                default_role=default_role,
                sso_required=sso_required,
                enabled=True,
            )
        )
    return SsoSetup(tenant, provider, client)


@pytest.fixture
def sso_a(database: Database, tenant_a: TenantRef, oidc_provider: OidcProvider) -> SsoSetup:
    return configure_sso(database, tenant_a, oidc_provider)


def start(client: TestClient[Any], slug: str, next_path: str = "/") -> str:
    """Press the municipality's SSO button; the provider's authorization URL."""
    response = client.get(f"/login/{slug}/sso", params={"next": next_path}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    return str(response.headers["location"])


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE_URL, url
    return f"{parts.path}?{parts.query}"


def sso_sign_in(
    client: TestClient[Any], setup: SsoSetup, account: Account, next_path: str = "/"
) -> Any:
    """The whole flow as a browser does it; the app's answer to the callback."""
    back = setup.provider.sign_in(start(client, setup.tenant.slug, next_path), account)
    return client.get(callback_path(back), follow_redirects=False)
