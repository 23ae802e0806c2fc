"""Per-request context: request id, log binding, and the transaction's outcome.

An ASGI middleware creates one :class:`RequestContext` per HTTP request and keeps it in
a context variable. Because the object is shared (not copied) with any task the
framework spawns, the ``after_request`` hook can record the response status on it and
the session dependency can read it when deciding to commit.
"""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("saypro.access")
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass
class RequestContext:
    request_id: str
    response_status: int | None = None
    tenant_id: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("saypro_request", default=None)


def current_request() -> RequestContext | None:
    return _current.get()


class RequestContextMiddleware:
    """Carries ``request_id`` (and later the tenant) into every log line, echoes it as
    ``X-Request-ID`` and writes the access log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _REQUEST_ID_OK.match(supplied) else uuid.uuid4().hex
        context = RequestContext(request_id=request_id)
        token = _current.set(context)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            _current.reset(token)


def add_request_context(
    _logger: object, _method: str, event: dict[str, object]
) -> dict[str, object]:
    """structlog processor: request id and tenant id of the request being served, if any.

    Read from the shared context object rather than bound context variables, because the
    framework may resolve dependencies (where the tenant becomes known) in child tasks.
    """
    context = _current.get()
    if context is not None:
        event.setdefault("request_id", context.request_id)
        if context.tenant_id is not None:
            event.setdefault("tenant_id", context.tenant_id)
    return event
