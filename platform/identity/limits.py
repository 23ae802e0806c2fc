"""Counting requests per client address or per account in fixed windows (Redis, shared by
every web process), for the pages anyone can use to make the platform send email
(sign-up, password reset). Over the limit: 429 with ``Retry-After``.

Like the sign-in failure counter in :mod:`throttle`: SET NX EX starts the window with
its expiry and INCR keeps it (no Redis 7 commands; the embedded server is older).
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis.asyncio as aioredis
from litestar import Request
from litestar.exceptions import TooManyRequestsException

HOUR = 60 * 60


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _key(purpose: str, identifier: str) -> str:
    # Hashed: the limiter needs to recognise an address or email, not to keep it.
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()
    return f"saypro:limit:{purpose}:{digest}"


async def spend(
    client: aioredis.Redis,
    purpose: str,
    identifier: str,
    *,
    limit: int,
    window_seconds: int = HOUR,
    message: str,
) -> None:
    """Count one request; refuse it (429) when it is over ``limit`` in the window."""
    key = _key(purpose, identifier)
    async with client.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _created, count, ttl = await pipe.execute()
    if int(count) > limit:
        raise TooManyRequestsException(
            detail=message, headers={"Retry-After": str(max(1, int(ttl)))}
        )


async def spend_per_client_and_account(
    request: Request[Any, Any, Any],
    purpose: str,
    account: str,
    *,
    client_limit: int,
    account_limit: int,
    client_message: str,
    account_message: str,
) -> None:
    """Count one request that makes the platform email ``account``: once per client
    address and once per address asked for (``{purpose}-account``), so neither one client
    nor many clients together can flood one mailbox."""
    redis_client: aioredis.Redis = request.app.state.redis
    await spend(
        redis_client,
        purpose,
        client_address(request),
        limit=client_limit,
        message=client_message,
    )
    await spend(
        redis_client,
        f"{purpose}-account",
        account,
        limit=account_limit,
        message=account_message,
    )
