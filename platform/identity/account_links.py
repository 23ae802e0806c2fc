"""Single-use links sent by email: issuing one, looking at one, using one.

The token travels only in the message; the database keeps its SHA-256, so a copy of the
table opens nothing. A link is good until it is used, it expires, or a newer link of the
same purpose is issued for the same account (which retires the older ones).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.models import AccountLink, LinkPurpose

VERIFY_EMAIL_LIFETIME = timedelta(hours=48)
RESET_PASSWORD_LIFETIME = timedelta(hours=1)
LIFETIMES = {
    LinkPurpose.VERIFY_EMAIL: VERIFY_EMAIL_LIFETIME,
    LinkPurpose.RESET_PASSWORD: RESET_PASSWORD_LIFETIME,
}


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def now() -> datetime:
    return datetime.now(UTC)


async def issue_link(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    purpose: LinkPurpose,
    tenant_id: uuid.UUID | None = None,
) -> str:
    """A new link's token (returned once, to be put in the message); older unused links
    of the same purpose for this account stop working."""
    moment = now()
    await session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > moment,
        )
        .values(expires_at=moment)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            user_id=user_id,
            tenant_id=tenant_id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=moment + LIFETIMES[purpose],
        )
    )
    await session.flush()
    return token


@dataclass(frozen=True)
class LinkState:
    """What a link is good for right now."""

    link: AccountLink | None
    problem: str | None  # None: the link may be used

    @property
    def usable(self) -> bool:
        return self.problem is None


async def find_link(
    session: AsyncSession, token: str, purpose: LinkPurpose, *, lock: bool = False
) -> LinkState:
    """The link behind ``token`` and whether it can be used. With ``lock``, the row is
    locked until the transaction ends, so two requests cannot both use it."""
    statement = select(AccountLink).where(
        AccountLink.token_hash == token_hash(token), AccountLink.purpose == purpose
    )
    if lock:
        statement = statement.with_for_update()
    link = await session.scalar(statement)
    if link is None:
        return LinkState(None, "unknown")
    if link.used_at is not None:
        return LinkState(link, "used")
    if link.expires_at <= now():
        return LinkState(link, "expired")
    return LinkState(link, None)


async def use_link(session: AsyncSession, token: str, purpose: LinkPurpose) -> LinkState:
    """Mark the link used if it can be; the state tells which."""
    state = await find_link(session, token, purpose, lock=True)
    if state.usable and state.link is not None:
        state.link.used_at = now()
        await session.flush()
    return state
