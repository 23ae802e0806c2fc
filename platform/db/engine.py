"""Engines and session factories for the runtime role.

One codepath for every deployment: the URLs come from :class:`DatabaseUrls`, whether
they point at an external server or at the embedded one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import sessionmaker

from saypro.platform.db.tenancy import TenantSession


@dataclass(frozen=True)
class Database:
    """The runtime role's engines (async for the web, sync for jobs) and their sessions."""

    async_engine: AsyncEngine
    sync_engine: Engine
    async_sessions: async_sessionmaker[AsyncSession]
    sync_sessions: sessionmaker[TenantSession]

    @classmethod
    def connect(cls, runtime_url: str, *, pool_size: int = 10) -> Database:
        async_engine = create_async_engine(
            runtime_url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        sync_engine = create_engine(runtime_url, pool_size=4, max_overflow=4, pool_pre_ping=True)
        return cls(
            async_engine=async_engine,
            sync_engine=sync_engine,
            async_sessions=async_sessionmaker(
                async_engine, sync_session_class=TenantSession, expire_on_commit=False
            ),
            sync_sessions=sessionmaker(sync_engine, class_=TenantSession, expire_on_commit=False),
        )

    async def dispose(self) -> None:
        await self.async_engine.dispose()
        self.sync_engine.dispose()
