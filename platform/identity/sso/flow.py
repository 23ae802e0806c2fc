"""The authorization-code flow with PKCE (S256), through Authlib.

What a started flow must remember (state, nonce, PKCE verifier, where to go after) is
kept in the browser's server-side session, never in the browser, and is taken out of the
session when the callback arrives, whatever happens next: each value works once.
"""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from litestar import Request
from litestar.connection import ASGIConnection

from saypro.platform.identity.sso.discovery import TIMEOUT_SECONDS, ProviderMetadata
from saypro.platform.web.links import absolute_url

FLOW_KEY = "sso_flow"
SCOPES = "openid email profile"
# Long enough to sign in at the provider (with its second factor), short enough that an
# abandoned flow does not linger.
FLOW_MAX_AGE_SECONDS = 600


class FlowError(Exception):
    """The callback does not belong to a flow this browser started, or the provider failed."""


@dataclass(frozen=True)
class PendingFlow:
    tenant_id: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str
    started_at: float

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) - self.started_at > FLOW_MAX_AGE_SECONDS


def oauth_client(client_id: str, client_secret: str, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        scope=SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
    )


async def start(
    connection: ASGIConnection[Any, Any, Any, Any],
    *,
    tenant_id: uuid.UUID,
    client_id: str,
    client_secret: str,
    metadata: ProviderMetadata,
    redirect_uri: str,
    next_path: str,
) -> str:
    """Remember a new flow in the session (replacing any unfinished one) and return the
    provider's authorization URL to send the browser to."""
    flow = PendingFlow(
        tenant_id=str(tenant_id),
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        redirect_uri=redirect_uri,
        next_path=next_path,
        started_at=time.time(),
    )
    async with oauth_client(client_id, client_secret, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint,
            state=flow.state,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
        )
    session = dict(connection.session)
    session[FLOW_KEY] = asdict(flow)
    connection.set_session(session)
    return str(url)


def take(connection: ASGIConnection[Any, Any, Any, Any]) -> PendingFlow | None:
    """The pending flow, removed from the session so it cannot be used again."""
    session = dict(connection.session)
    stored = session.pop(FLOW_KEY, None)
    connection.set_session(session)
    if not isinstance(stored, dict):
        return None
    try:
        return PendingFlow(**stored)
    except TypeError:
        return None


def check_callback(
    flow: PendingFlow | None,
    *,
    tenant_id: uuid.UUID,
    state: str,
    issuer_param: str | None,
    issuer: str,
) -> PendingFlow:
    """The flow this callback finishes; raises :class:`FlowError` when the callback was not
    started by this browser for this municipality, is stale, or came from another issuer."""
    if flow is None or flow.tenant_id != str(tenant_id):
        raise FlowError("no sign-in was started in this browser")
    if not hmac.compare_digest(flow.state.encode(), state.encode()):
        raise FlowError("the state does not match the sign-in this browser started")
    if flow.expired():
        raise FlowError("the sign-in took too long")
    # RFC 9207: a provider that names itself in the response must be ours (mix-up defence).
    if issuer_param is not None and issuer_param != issuer:
        raise FlowError("the answer came from another identity provider")
    return flow


async def exchange_code(
    *,
    client_id: str,
    client_secret: str,
    metadata: ProviderMetadata,
    flow: PendingFlow,
    code: str,
) -> str:
    """Trade the authorization code (with the PKCE verifier) for tokens; the ID token."""
    try:
        async with oauth_client(client_id, client_secret, flow.redirect_uri) as client:
            token = await client.fetch_token(
                metadata.token_endpoint, code=code, code_verifier=flow.code_verifier
            )
    except OAuthError as error:
        raise FlowError(f"the provider refused the code: {error.error}") from error
    except Exception as error:  # network failures, malformed answers
        raise FlowError(f"the token endpoint could not be used: {error}") from error
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise FlowError("the provider returned no ID token")
    return id_token


def callback_url(request: Request[Any, Any, Any], municipality: str) -> str:
    """The redirect URI the municipality registers at its provider: under
    ``PUBLIC_BASE_URL`` when it is set, else the address the request came in on."""
    return absolute_url(request, f"/login/{municipality}/sso/callback")
