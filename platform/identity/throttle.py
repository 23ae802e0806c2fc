"""Slowing down password guessing.

Per client address: Litestar's rate-limit middleware on ``POST /login`` (a window per
minute, counted in Redis so every web process shares it). Per account: consecutive
failed sign-ins are counted in Redis; after ``ACCOUNT_FAILURE_LIMIT`` the account refuses
attempts until the window passes, whatever address they come from. Both answer 429 with
``Retry-After``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis.asyncio as aioredis
from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig

ACCOUNT_FAILURE_LIMIT = 10
ACCOUNT_WINDOW_SECONDS = 15 * 60
RATE_LIMIT_STORE = "rate_limit"


def is_sign_in_attempt(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and request.url.path == "/login"


def sign_in_rate_limit(attempts_per_minute: int) -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=("minute", attempts_per_minute),
        check_throttle_handler=is_sign_in_attempt,
        store=RATE_LIMIT_STORE,
    )


def _key(email: str) -> str:
    # Hashed: the limiter needs to recognise an address, not to keep it.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"saypro:sign-in-failures:{digest}"


async def refuse_if_locked(client: aioredis.Redis, email: str) -> None:
    key = _key(email)
    failures = await client.get(key)
    if failures is not None and int(failures) >= ACCOUNT_FAILURE_LIMIT:
        retry_after = max(1, int(await client.ttl(key)))
        raise TooManyRequestsException(
            detail="Too many failed sign-ins for this account; try again later.",
            headers={"Retry-After": str(retry_after)},
        )


async def note_failure(client: aioredis.Redis, email: str) -> None:
    key = _key(email)
    async with client.pipeline(transaction=True) as pipe:
        # The window starts at the first failure: SET NX EX creates the counter with its
        # expiry only if absent, and INCR keeps the expiry. (EXPIRE NX would say the same
        # but needs Redis 7; the embedded default server is older.)
        pipe.set(key, 0, ex=ACCOUNT_WINDOW_SECONDS, nx=True)
        pipe.incr(key)
        await pipe.execute()


async def clear_failures(client: aioredis.Redis, email: str) -> None:
    await client.delete(_key(email))
