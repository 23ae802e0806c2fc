"""Making API tokens for tests directly in the database (the page that makes them is
tested on its own), and reading them back."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.identity.api_tokens import (
    DISPLAY_LENGTH,
    hash_token,
    new_token_secret,
    utcnow,
)
from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.token_models import ApiToken
from tests.factories import TenantRef, UserRef


def make_token(
    database: Database,
    user: UserRef,
    tenant: TenantRef,
    permissions: Iterable[Permission],
    *,
    expires_at: datetime | None = None,
) -> tuple[uuid.UUID, str]:
    """(token id, secret) of a new token."""
    secret = new_token_secret()
    with database.sync_sessions() as session, session.begin():
        token = ApiToken(
            user_id=user.id,
            tenant_id=tenant.id,
            name="Test token",
            prefix=secret[:DISPLAY_LENGTH],
            token_hash=hash_token(secret),
            permissions=sorted(p.value for p in permissions),
            expires_at=expires_at or utcnow() + timedelta(days=30),
        )
        session.add(token)
        session.flush()
        return token.id, secret


def tokens_of(database: Database, user: UserRef) -> list[ApiToken]:
    with database.sync_sessions() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
        ).all()
        session.expunge_all()
        return list(rows)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
