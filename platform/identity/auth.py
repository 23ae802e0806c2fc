"""Authentication: who is signed in, from the server-side session in Redis, or, on the
JSON API, from a personal API token (``Authorization: Bearer spk_...``)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import AuthenticationResult
from litestar.middleware.session.server_side import ServerSideSessionBackend
from litestar.openapi.spec import Components, SecurityScheme
from litestar.security.session_auth import SessionAuth, SessionAuthMiddleware

from saypro.platform.db.engine import Database
from saypro.platform.identity import api_tokens
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import load_principal
from saypro.platform.identity.sessions import (
    RotatingSessionConfig,
    rotate_session,
    without_session,
)
from saypro.platform.settings import Settings

SESSION_COOKIE = "__Host-saypro-session"
SESSION_USER_KEY = "user_id"
SIGNED_IN_AT_KEY = "signed_in_at"
PRIVILEGES_KEY = "privileges"


def now() -> float:
    return time.time()


def new_session(user_id: uuid.UUID, at: float | None = None) -> dict[str, Any]:
    """What a fresh sign-in stores: who, and when (for the time-outs and the cut-off
    that a password change sets)."""
    return {SESSION_USER_KEY: str(user_id), SIGNED_IN_AT_KEY: now() if at is None else at}


# Probes, static files and the public dashboards neither need nor create (nor renew) a
# session: a signed-in member's visit to their municipality's public page leaves their
# session as it was.
NO_SESSION_PATHS = ["^/static/", "^/healthz$", "^/readyz$", "^/public/", "^/api/v1/public/"]


async def retrieve_principal(
    session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal | None:
    """The signed-in user and their memberships, re-read on every request so a removed
    membership or a deactivated account takes effect at once. A session older than the
    absolute time-out is over, however active it has been."""
    raw = session.get(SESSION_USER_KEY)
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if not isinstance(raw, str) or not isinstance(signed_in_at, int | float):
        return None
    settings: Settings = connection.app.state.settings
    if now() - signed_in_at > settings.session_absolute_hours * 3600:
        return None
    try:
        user_id = uuid.UUID(raw)
    except ValueError:
        return None
    database: Database = connection.app.state.database
    async with database.async_sessions() as db:
        principal = await load_principal(db, user_id, float(signed_in_at))
    if principal is not None:
        privileges = principal.privileges()
        if session.get(PRIVILEGES_KEY) not in (None, privileges):
            rotate_session(connection)  # privileges changed: a new session id
        session[PRIVILEGES_KEY] = privileges
    return principal


API_PREFIX = "/api/"
BEARER_SCHEME = "bearerToken"
BEARER_OPENAPI = Components(
    security_schemes={
        BEARER_SCHEME: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="spk_<secret>",
            description=(
                "A personal API token made at /account/tokens: it acts for its user in one "
                "municipality with the permissions chosen for it. Requests that carry only "
                "a token need no CSRF token."
            ),
        )
    }
)


def bearer_credential(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The credential of an ``Authorization: Bearer`` header; ``None`` without one (other
    schemes, e.g. a proxy's Basic credentials, are not ours and are ignored)."""
    scheme, _, credential = connection.headers.get("authorization", "").strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else None


def _refuse_bearer(error: str, description: str) -> NotAuthorizedException:
    return NotAuthorizedException(
        description,
        headers={"WWW-Authenticate": f'Bearer error="{error}", error_description="{description}"'},
    )


class SessionOrTokenAuthMiddleware(SessionAuthMiddleware):
    """A request with a Bearer token is authenticated by the token alone (the session
    cookie, if any, is not consulted and is left as it is); every other request by its
    session. Tokens are for the JSON API: a page refuses them."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        presented = bearer_credential(connection)
        if presented is None:
            return await super().authenticate_request(connection)
        if SESSION_COOKIE not in connection.cookies:
            # The client keeps no session: give it none, whether or not the token is good.
            without_session(connection)
        if not connection.scope["path"].startswith(API_PREFIX):
            raise _refuse_bearer("invalid_request", "API tokens are accepted only under /api/")
        now = api_tokens.utcnow()
        database: Database = connection.app.state.database
        async with database.async_sessions() as db:
            found = await api_tokens.authenticate_token(db, presented, now)
            if found is None:
                raise _refuse_bearer(
                    "invalid_token", "The API token is unknown, expired or revoked"
                )
            principal, token = found
            # Its own short transaction: the request's transaction may roll back.
            await api_tokens.note_use(db, token, now)
        return AuthenticationResult(user=principal, auth=api_tokens.TokenAuth(token.id))


def session_auth(idle_minutes: int) -> SessionAuth[Principal, ServerSideSessionBackend]:
    """Cookie ``__Host-``-prefixed, Secure, HttpOnly, SameSite=Lax; ends after
    ``idle_minutes`` without a request; the id is replaced at sign-in. On the API a
    Bearer token may stand in for the session."""
    return SessionAuth[Principal, ServerSideSessionBackend](
        retrieve_user_handler=retrieve_principal,
        authentication_middleware_class=SessionOrTokenAuthMiddleware,
        session_backend_config=RotatingSessionConfig(
            key=SESSION_COOKIE,
            secure=True,
            httponly=True,
            samesite="lax",
            max_age=idle_minutes * 60,
            renew_on_access=True,
            exclude=NO_SESSION_PATHS,
        ),
        exclude=[*NO_SESSION_PATHS, "^/api/schema"],
    )
