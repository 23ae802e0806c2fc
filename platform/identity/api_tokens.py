"""Personal API tokens: issuing, listing, revoking, and turning a presented token into
the principal a request acts as.

A token is ``spk_`` followed by 256 random bits. It acts for its user in ONE
municipality, limited to the permissions chosen when it was made; every use re-reads
the user's current role there, so a downgrade narrows the token and a removed
membership (or ended consultant assignment) stops it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.audit.service import Actor, set_actor
from saypro.platform.db.tenancy import bind_tenant, bound_tenant
from saypro.platform.errors import InvalidInput, NotFound
from saypro.platform.identity.permissions import (
    ROLE_PERMISSIONS,
    WORKSPACE_PERMISSIONS,
    Permission,
)
from saypro.platform.identity.principal import Principal, TenantAccess
from saypro.platform.identity.service import load_principal
from saypro.platform.identity.token_models import ApiToken
from saypro.platform.tenancy.models import Tenant

TOKEN_PREFIX = "spk_"  # noqa: S105 - a public marker, not a secret
SECRET_BYTES = 32
# "spk_" and eight characters of the secret: enough to tell one's tokens apart.
DISPLAY_LENGTH = len(TOKEN_PREFIX) + 8
# Longer than any token we issue; anything bigger is not worth hashing.
MAX_TOKEN_LENGTH = 128
MAX_DAYS = 365
# A busy client would otherwise write the same row on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenAuth:
    """``scope["auth"]`` of a request authenticated by an API token (the session is not
    consulted for such a request)."""

    token_id: uuid.UUID


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # Shown to the user once, right after creation; never stored.
    secret: str


@dataclass(frozen=True)
class TokenListing:
    id: uuid.UUID
    name: str
    prefix: str
    tenant_name: str
    permissions: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def utcnow() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    """SHA-256, not a password hash: the token is 256 random bits, so there is nothing a
    slow, salted hash (Argon2) would protect against — guessing is hopeless either way —
    while a fast, deterministic hash lets every API request find its token with one
    indexed lookup instead of spending tens of milliseconds per request."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def grantable(access: TenantAccess) -> frozenset[Permission]:
    """What a token for that municipality may carry: the workspace permissions the
    user's role there grants (platform permissions never go on a token)."""
    return ROLE_PERMISSIONS.get(access.role, frozenset()) & WORKSPACE_PERMISSIONS


async def create_token(
    session: AsyncSession,
    principal: Principal,
    actor: Actor,
    *,
    name: str,
    tenant_slug: str,
    permissions: Iterable[Permission],
    expires_in_days: int,
) -> IssuedToken:
    access = principal.access(tenant_slug)
    if access is None:
        raise InvalidInput("choose one of your municipalities", field="tenant")
    chosen = frozenset(permissions)
    if not chosen:
        raise InvalidInput("choose at least one permission", field="permissions")
    refused = sorted(p.value for p in chosen - grantable(access))
    if refused:
        raise InvalidInput(
            f"your role in {access.name} does not grant {', '.join(refused)}",
            field="permissions",
        )
    if not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput(
            f"must be a whole number of days from 1 to {MAX_DAYS}", field="expires_in_days"
        )
    secret = new_token_secret()
    token = ApiToken(
        user_id=principal.user_id,
        tenant_id=access.tenant_id,
        name=name,
        prefix=secret[:DISPLAY_LENGTH],
        token_hash=hash_token(secret),
        permissions=sorted(p.value for p in chosen),
        expires_at=utcnow() + timedelta(days=expires_in_days),
    )
    session.add(token)
    await session.flush()
    await _record(session, token, "identity.api_token_created", actor)
    return IssuedToken(token=token, secret=secret)


async def revoke_token(
    session: AsyncSession, user_id: uuid.UUID, token_id: uuid.UUID, actor: Actor
) -> ApiToken:
    """Revoke one of the user's own tokens; it is refused from the next request on.
    Revoking an already revoked token changes nothing."""
    token = await session.scalar(
        select(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id)
        .with_for_update()
    )
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
        await _record(session, token, "identity.api_token_revoked", actor)
    return token


async def revoke_member_tokens(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Revoke a member's tokens for a municipality they are being removed from, so that
    being let back in later does not bring old tokens back to life."""
    tokens = await session.scalars(
        select(ApiToken)
        .where(
            ApiToken.tenant_id == tenant_id,
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
        )
        .with_for_update()
    )
    for token in tokens.all():
        token.revoked_at = utcnow()
        await session.flush()
        await _record(session, token, "identity.api_token_revoked", actor=None)


async def _record(session: AsyncSession, token: ApiToken, action: str, actor: Actor | None) -> None:
    """On the municipality's trail: which token (name, prefix, permissions), never the
    secret. ``actor=None`` keeps the actor already set on the session."""
    if actor is not None:
        set_actor(session, actor)
    previous = bound_tenant(session)
    await bind_tenant(session, token.tenant_id)
    audit.record(
        session,
        action,
        entity_type="api_token",
        entity_id=token.id,
        after={
            "name": token.name,
            "prefix": token.prefix,
            "permissions": list(token.permissions),
            "expires_at": token.expires_at.isoformat(),
        },
    )
    await session.flush()
    await bind_tenant(session, previous)


async def list_tokens(session: AsyncSession, user_id: uuid.UUID) -> Sequence[TokenListing]:
    rows = await session.execute(
        select(ApiToken, Tenant.name)
        .join(Tenant, Tenant.id == ApiToken.tenant_id)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    return [
        TokenListing(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            tenant_name=tenant_name,
            permissions=tuple(token.permissions),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )
        for token, tenant_name in rows.all()
    ]


async def authenticate_token(
    session: AsyncSession, presented: str, now: datetime
) -> tuple[Principal, ApiToken] | None:
    """The principal a presented token acts as, or ``None`` when the token is unknown,
    expired or revoked, or its user can no longer act in its municipality.

    The principal holds only the token's municipality, with the user's role there as it
    is NOW, and ``scope`` = the token's permissions: the guard requires both.
    """
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > MAX_TOKEN_LENGTH:
        return None
    token = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(presented))
    )
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    # Checked like a session signed in when the token was made: an inactive account, or
    # a password change after that moment (which ends every session), stops the token.
    principal = await load_principal(session, token.user_id, token.created_at.timestamp())
    if principal is None:
        return None
    access = next((a for a in principal.tenants.values() if a.tenant_id == token.tenant_id), None)
    if access is None:
        return None
    known = {p.value for p in Permission}
    scope = frozenset(Permission(p) for p in token.permissions if p in known)
    # No staff role: a token never carries platform permissions.
    narrowed = replace(principal, tenants={access.slug: access}, staff_role=None, scope=scope)
    return narrowed, token


async def note_use(session: AsyncSession, token: ApiToken, now: datetime) -> None:
    """Record when the token was last used, at most once a minute per token. The
    condition is repeated in the UPDATE so concurrent requests write it once."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - LAST_USED_PRECISION,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
