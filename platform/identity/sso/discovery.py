"""Reading an identity provider's published configuration: the discovery document
(``/.well-known/openid-configuration``) and its signing keys (JWKS).

Only https issuers are accepted, except plain http on the loopback interface (a provider
running on the same machine for development and tests): anywhere else the client secret
and the tokens would cross the network in clear text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2

DISCOVERY_PATH = "/.well-known/openid-configuration"
TIMEOUT_SECONDS = 5.0
_REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class DiscoveryError(Exception):
    """The provider's configuration or keys could not be read or make no sense."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_problem(issuer: str) -> str | None:
    """Why ``issuer`` cannot be an issuer URL, or ``None`` when it can."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be a URL such as https://login.example.gov.za"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "must use https (plain http is allowed only on this machine's loopback address)"
    if parts.query or parts.fragment:
        return "must not contain a query or a fragment"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    return None


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + DISCOVERY_PATH


def http_client() -> httpx2.AsyncClient:
    # No redirects: the documents must be served where the issuer says they are.
    return httpx2.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)


async def _get_json(url: str, what: str) -> dict[str, Any]:
    problem = issuer_problem(url)
    if problem is not None:
        raise DiscoveryError(f"the {what} address {url} {problem}")
    try:
        async with http_client() as client:
            response = await client.get(url, headers={"accept": "application/json"})
    except httpx2.HTTPError as error:
        raise DiscoveryError(f"could not read the {what} at {url}: {error}") from error
    if response.status_code != 200:
        raise DiscoveryError(f"could not read the {what} at {url}: HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError as error:
        raise DiscoveryError(f"the {what} at {url} is not JSON") from error
    if not isinstance(document, dict):
        raise DiscoveryError(f"the {what} at {url} is not a JSON object")
    return document


async def fetch_metadata(issuer: str) -> ProviderMetadata:
    """The provider's endpoints, from its discovery document, whose ``issuer`` must be
    exactly the configured one (OpenID Connect Discovery 1.0, section 4.3)."""
    document = await _get_json(discovery_url(issuer), "discovery document")
    missing = [name for name in _REQUIRED if not isinstance(document.get(name), str)]
    if missing:
        raise DiscoveryError(f"the discovery document lacks {', '.join(missing)}")
    if document["issuer"] != issuer:
        raise DiscoveryError(
            f"the discovery document names the issuer {document['issuer']!r}, "
            f"not {issuer!r}; enter exactly the provider's issuer"
        )
    return ProviderMetadata(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
    )


async def fetch_jwks(metadata: ProviderMetadata) -> dict[str, Any]:
    """The provider's public signing keys (a JWK set)."""
    document = await _get_json(metadata.jwks_uri, "signing keys (JWKS)")
    if not isinstance(document.get("keys"), list):
        raise DiscoveryError("the signing keys document has no list of keys")
    return document
