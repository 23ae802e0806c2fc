"""One database transaction per request, committed by the framework.

Handlers and services never commit. A handler that asks for ``db_session`` gets a
session; the ``after_request`` hook records the response status; when the dependency is
cleaned up (after the response object exists, before it is sent) the session commits if
that status is a success and rolls back otherwise, including when the handler raised.
A failing commit therefore becomes a 500 problem response, never a reported success.
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
        yield session
        context = current_request()
        status = context.response_status if context else None
        if status is not None and status < 400:
            await session.commit()
        else:
            await session.rollback()


async def record_response_status(response: Response[object]) -> Response[object]:
    """``after_request`` hook: tells the session dependency how the request ended."""
    context = current_request()
    if context is not None:
        context.response_status = response.status_code
    return response


async def provide_platform_session(raw_db_session: NamedDependency[AsyncSession]) -> AsyncSession:
    """``db_session`` outside a tenant's URL: no tenant bound, so tenant tables refuse queries."""
    return raw_db_session
