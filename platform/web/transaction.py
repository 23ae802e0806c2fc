"""One database transaction per request, committed by the framework.

Handlers and services never commit. A handler that asks for ``db_session`` gets a
session; the ``after_request`` hook records the response status; when the dependency is
cleaned up (after the response object exists, before it is sent) the session commits,
unless the handler raised or answered with an error status (then it rolls back).
A failing commit therefore becomes a 500 problem response, never a reported success.
Handlers that turn a refused business rule into an error page run the service call in
a savepoint (see ``attempt`` in the modules' views), so nothing half-done survives.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar import Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.engine import Database
from saypro.platform.web.context import current_request


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    database: Database = state.database
    async with database.async_sessions() as session:
        # An exception from the handler is thrown in here at ``yield``: the session then
        # closes without committing (rollback).
        yield session
        context = current_request()
        status = context.response_status if context else None
        # Commit unless the handler answered with an error status. If a route replaces
        # the app's after_request hook the status is unknown and a normal return commits,
        # so a reported success is never silently rolled back.
        if status is not None and status >= 400:
            await session.rollback()
        else:
            await session.commit()


async def record_response_status(response: Response[object]) -> Response[object]:
    """``after_request`` hook: tells the session dependency how the request ended."""
    context = current_request()
    if context is not None:
        context.response_status = response.status_code
    return response


async def provide_platform_session(raw_db_session: NamedDependency[AsyncSession]) -> AsyncSession:
    """``db_session`` outside a tenant's URL: no tenant bound, so tenant tables refuse queries."""
    return raw_db_session
