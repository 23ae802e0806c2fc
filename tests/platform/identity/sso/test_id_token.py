"""The ID token verifier, on real tokens issued by the test OpenID provider."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from saypro.platform.identity.sso.id_token import IdTokenRejected, verify_id_token
from tests.oidc.server import Client, OidcProvider


@dataclass(frozen=True)
class Issued:
    token: str
    client: Client
    nonce: str
    email: str
    jwks: dict[str, Any]
    claims: dict[str, Any]


@pytest.fixture(scope="module")
def issued(oidc_provider: OidcProvider) -> Issued:
    client = oidc_provider.register_client("https://testserver.local/login/tokens/sso/callback")
    account = oidc_provider.add_account(f"token-{secrets.token_hex(4)}@example.org")
    nonce = secrets.token_urlsafe(16)
    token = oidc_provider.issue_id_token(client, account, nonce=nonce)
    claims = jwt.decode(token, KeySet.import_key_set(oidc_provider.jwks())).claims  # type: ignore[arg-type]
    return Issued(token, client, nonce, account.email, oidc_provider.jwks(), claims)


def _verify(issued: Issued, provider: OidcProvider, **changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "jwks": issued.jwks,
        "issuer": provider.issuer,
        "client_id": issued.client.client_id,
        "nonce": issued.nonce,
    }
    arguments.update(changes)
    return verify_id_token(issued.token, **arguments)


def test_a_genuine_token_is_accepted_with_its_claims(
    issued: Issued, oidc_provider: OidcProvider
) -> None:
    claims = _verify(issued, oidc_provider)
    assert claims["iss"] == oidc_provider.issuer
    assert claims["aud"] == issued.client.client_id
    assert claims["email"] == issued.email and claims["email_verified"] is True


def test_a_token_for_another_client_is_refused(issued: Issued, oidc_provider: OidcProvider) -> None:
    other = oidc_provider.register_client("https://testserver.local/login/other/sso/callback")
    with pytest.raises(IdTokenRejected, match="aud"):
        _verify(issued, oidc_provider, client_id=other.client_id)


def test_an_expired_token_is_refused_beyond_the_leeway(
    issued: Issued, oidc_provider: OidcProvider
) -> None:
    expires = int(issued.claims["exp"])
    assert _verify(issued, oidc_provider, now=expires + 30, leeway=60)
    with pytest.raises(IdTokenRejected, match="exp"):
        _verify(issued, oidc_provider, now=expires + 61, leeway=60)
    with pytest.raises(IdTokenRejected, match="exp"):
        _verify(issued, oidc_provider, now=expires, leeway=0)


def test_a_token_issued_in_the_future_is_refused(
    issued: Issued, oidc_provider: OidcProvider
) -> None:
    issued_at = int(issued.claims["iat"])
    with pytest.raises(IdTokenRejected, match="issued in the future"):
        _verify(issued, oidc_provider, now=issued_at - 120, leeway=60)


def test_another_nonce_or_issuer_is_refused(issued: Issued, oidc_provider: OidcProvider) -> None:
    with pytest.raises(IdTokenRejected, match="nonce"):
        _verify(issued, oidc_provider, nonce="not-the-one-sent")
    with pytest.raises(IdTokenRejected, match="iss"):
        _verify(issued, oidc_provider, issuer="https://login.example.gov.za")


def test_a_token_not_signed_by_the_providers_keys_is_refused(
    issued: Issued, oidc_provider: OidcProvider
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    with pytest.raises(IdTokenRejected, match="signature"):
        _verify(issued, oidc_provider, jwks=KeySet([stranger]).as_dict(private=False))
    # The same claims signed by someone else, under the provider's key id, fail too.
    header = {"alg": "RS256", "kid": issued.jwks["keys"][0].get("kid", "")}
    forged = jwt.encode(header, issued.claims, stranger)
    with pytest.raises(IdTokenRejected, match="signature"):
        verify_id_token(
            forged,
            jwks=issued.jwks,
            issuer=oidc_provider.issuer,
            client_id=issued.client.client_id,
            nonce=issued.nonce,
        )
