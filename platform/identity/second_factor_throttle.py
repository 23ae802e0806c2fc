"""Slowing down guessing of second-factor codes (the pattern of :mod:`throttle`).

Wrong codes are counted in Redis per account and per client address, each in a window
that starts at the first failure. Past the limit, attempts are refused with 429 and
``Retry-After`` until the window passes, even with the right code. Six-digit codes are
few (a million, three of them valid at a time), so the limits are low.
"""

from __future__ import annotations

import hashlib
import uuid

import redis.asyncio as aioredis
from litestar.exceptions import TooManyRequestsException

ACCOUNT_FAILURE_LIMIT = 10
ADDRESS_FAILURE_LIMIT = 30
WINDOW_SECONDS = 15 * 60


def account_key(user_id: uuid.UUID) -> str:
    return f"saypro:second-factor-failures:account:{user_id}"


def address_key(address: str) -> str:
    # Hashed: the limiter needs to recognise an address, not to keep it.
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"saypro:second-factor-failures:address:{digest}"


async def _refuse_if_over(client: aioredis.Redis, key: str, limit: int, detail: str) -> None:
    failures = await client.get(key)
    if failures is not None and int(failures) >= limit:
        retry_after = max(1, int(await client.ttl(key)))
        raise TooManyRequestsException(detail=detail, headers={"Retry-After": str(retry_after)})


async def refuse_if_locked(client: aioredis.Redis, user_id: uuid.UUID, address: str) -> None:
    await _refuse_if_over(
        client,
        account_key(user_id),
        ACCOUNT_FAILURE_LIMIT,
        "Too many wrong codes for this account; try again later.",
    )
    await _refuse_if_over(
        client,
        address_key(address),
        ADDRESS_FAILURE_LIMIT,
        "Too many wrong codes from this address; try again later.",
    )


async def note_failure(client: aioredis.Redis, user_id: uuid.UUID, address: str) -> None:
    async with client.pipeline(transaction=True) as pipe:
        for key in (account_key(user_id), address_key(address)):
            # SET NX EX starts the window with the first failure; INCR keeps the expiry
            # (EXPIRE NX would need Redis 7; the embedded default server is Redis 6).
            pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)
            pipe.incr(key)
        await pipe.execute()


async def clear_failures(client: aioredis.Redis, user_id: uuid.UUID) -> None:
    """A right code clears the account's count (not the address's: one right code must
    not reset the count of guesses at other accounts from the same place)."""
    await client.delete(account_key(user_id))
