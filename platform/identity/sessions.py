"""Server-side sessions in Redis whose id is replaced at sign-in (no session fixation).

Litestar's server-side backend keeps the id the browser already holds; this backend
issues a fresh id (and deletes the old record) when a handler calls :func:`rotate_session`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message
from litestar.types.asgi_types import ScopeSession

_ROTATE = "saypro.rotate_session"
_NO_SESSION = "saypro.no_session"


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give this browser a new session id when the response is sent."""
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]


def without_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Neither store a session nor set a cookie for this request (one authenticated by
    an API token that came without a session cookie: the client asked for none)."""
    connection.scope[_NO_SESSION] = True  # type: ignore[literal-required]


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        fresh = connection.scope.get(_ROTATE)
        return fresh if isinstance(fresh, str) else super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if connection.scope.get(_NO_SESSION) is True:
            return
        if connection.scope.get(_ROTATE) is True:
            old = connection.cookies.get(self.config.key)
            if old:
                await self.delete(
                    old, store=self.config.get_store_from_app(connection.scope["app"])
                )
            connection.scope[_ROTATE] = self.generate_session_id()  # type: ignore[literal-required]
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend
