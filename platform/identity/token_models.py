"""Personal API tokens: a user's credential for the JSON API in one municipality.

Platform-wide (see ``scopes.py``): a request presents only the token, so it is found by
its hash before any municipality is known. The secret itself is never stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, Timestamped
from saypro.platform.ids import new_id


class ApiToken(Timestamped, Base):
    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the token, so its owner can tell tokens apart; too short
    # to help anyone guess the rest.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole token, hex (see api_tokens.hash_token for why not a slow hash).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Permission values; the user's role in the municipality must still grant each one
    # when the token is used.
    permissions: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
