"""A municipality's identity provider and the provider identities linked to its people
(both tenant-owned: the provider is the municipality's, and so is the link)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, TenantScoped, Timestamped
from saypro.platform.identity.permissions import Role


class SsoProvider(TenantScoped, Timestamped, Base):
    """The municipality's OpenID Connect provider (at most one per municipality)."""

    __tablename__ = "sso_providers"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # Encrypted with SecretBox(secret_key, "sso-client-secret"); never shown back.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    # Lower-case domains; a person's verified email must be at one of them.
    allowed_domains: Mapped[list[str]] = mapped_column(ARRAY(String(253)))
    # The role a person gets when their account is created at their first sign-in.
    default_role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="member_role",
            values_callable=lambda e: [m.value for m in e],
            create_type=False,
        )
    )
    # Members may then sign in only through the provider, not with a password.
    sso_required: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class SsoIdentity(TenantScoped, Timestamped, Base):
    """A person at the provider (issuer + subject) linked to a user; later sign-ins match
    by this first, so a changed email at the provider still finds the same account."""

    __tablename__ = "sso_identities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "issuer", "subject"),
        Index("ix_sso_identities_tenant_user", "tenant_id", "user_id"),
    )

    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
