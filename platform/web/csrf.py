"""CSRF protection that knows about API tokens.

A forged cross-site request rides on what the browser adds by itself: cookies. A request
authenticated by an ``Authorization: Bearer`` token that carries NO session cookie has
no such ambient credential (a browser never adds that header on its own, and a
cross-site page cannot add it without a CORS grant we never give), so it needs no CSRF
token. Everything else is checked exactly as Litestar's middleware checks it — including
a token request that also carries the session cookie: whatever the header says, the
browser sent an ambient credential along, so the safe answer is to demand the CSRF token.

This runs inside the authentication middleware, so it looks at how the request WAS
authenticated (``scope["auth"]``), not merely at which headers it has: a Bearer header
on a route that does not authenticate (sign-in) never skips the check.
"""

from __future__ import annotations

from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.middleware._internal.exceptions import ExceptionHandlerMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from saypro.platform.identity.api_tokens import TokenAuth


class TokenAwareCSRFMiddleware(CSRFMiddleware):
    def __init__(self, app: ASGIApp, config: CSRFConfig, session_cookie: str) -> None:
        super().__init__(app, config)
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == ScopeType.HTTP
            and isinstance(scope.get("auth"), TokenAuth)
            and self.session_cookie not in ASGIConnection[Any, Any, Any, Any](scope).cookies
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _answering(app: ASGIApp, config: CSRFConfig, session_cookie: str) -> ASGIApp:
    # A refusal becomes its 403 response right here, inside the request-context
    # middleware (as with Litestar's own placement), so the access log records a 403.
    return ExceptionHandlerMiddleware(
        app=TokenAwareCSRFMiddleware(app, config, session_cookie), debug=None
    )


def csrf_middleware(config: CSRFConfig, session_cookie: str) -> DefineMiddleware:
    """Install as the LAST application middleware (inside authentication), in place of
    ``Litestar(csrf_config=...)``, which always uses the plain middleware."""
    return DefineMiddleware(_answering, config=config, session_cookie=session_cookie)
