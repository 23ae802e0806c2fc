"""Unique indexes as field errors."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import Conflict


async def flush_if_unique(session: AsyncSession, index: str) -> bool:
    """Flush in a savepoint; False (and the savepoint undone) when the flush violated the
    unique ``index``, i.e. a concurrent request wrote the same row first. Any other
    integrity error is raised as it is."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if index not in str(exc.orig):
            raise
        return False
    return True


async def flush_unique(
    session: AsyncSession, index: str, message: str, field: str | None = None
) -> None:
    """Flush; a violation of the unique ``index`` (a concurrent request took the same
    code after the service checked it) becomes the same 409 (on ``field``) the check gives.
    Any other integrity error is raised as it is."""
    if not await flush_if_unique(session, index):
        raise Conflict(message, field=field)
