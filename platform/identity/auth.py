"""Session authentication: who is signed in, from the server-side session in Redis."""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend
from litestar.security.session_auth import SessionAuth

from saypro.platform.db.engine import Database
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import load_principal
from saypro.platform.identity.sessions import RotatingSessionConfig, rotate_session
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


# Probes and static files neither need nor create a session.
NO_SESSION_PATHS = ["^/static/", "^/healthz$", "^/readyz$"]


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


def session_auth(idle_minutes: int) -> SessionAuth[Principal, ServerSideSessionBackend]:
    """Cookie ``__Host-``-prefixed, Secure, HttpOnly, SameSite=Lax; ends after
    ``idle_minutes`` without a request; the id is replaced at sign-in."""
    return SessionAuth[Principal, ServerSideSessionBackend](
        retrieve_user_handler=retrieve_principal,
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
