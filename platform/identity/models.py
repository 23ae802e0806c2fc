"""User accounts and memberships (platform-wide: a person may belong to several municipalities)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, TenantScoped, Timestamped
from saypro.platform.identity.permissions import ConsultantRole, Role, StaffRole
from saypro.platform.ids import new_id


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", text("lower(email)"), unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sessions signed in before this moment are over (set when the password changes).
    sessions_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the owner proved the address is theirs (a verification link, or an account made
    # by an operator). No password sign-in before that.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # SayPro staff only; municipal users have none.
    staff_role: Mapped[StaffRole | None] = mapped_column(
        Enum(StaffRole, name="staff_role", values_callable=lambda e: [m.value for m in e])
    )
    # Second factor (TOTP, RFC 6238). The seed is encrypted (it must be read back to check
    # codes); it is on only from ``totp_enabled_at``. The last accepted time step makes
    # every code single-use, even inside its own 30-second window.
    totp_seed: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class Membership(Timestamped, Base):
    """A user's role in one municipality. Access to a tenant exists only through one of these."""

    __tablename__ = "memberships"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="member_role", values_callable=lambda e: [m.value for m in e])
    )
    # A suspended member keeps the row (role, history) but no access to the municipality.
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(TenantScoped, Timestamped, Base):
    """An invitation to join one municipality with a role, accepted through a single-use
    link. Only a hash of the link's token is kept."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("uq_invitations_tenant_token_hash", "tenant_id", "token_hash", unique=True),
        # At most one open invitation per address and municipality.
        Index(
            "uq_invitations_tenant_open_email",
            "tenant_id",
            text("lower(email)"),
            unique=True,
            postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="member_role", values_callable=lambda e: [m.value for m in e])
    )
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConsultantAssignment(Timestamped, Base):
    """A SayPro consultant's assignment to a client municipality, lead or support, for a
    period. The consultant may act in that municipality only while it runs (dates are
    inclusive, in South African time; no end date means until further notice)."""

    __tablename__ = "consultant_assignments"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_order"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[ConsultantRole] = mapped_column(
        Enum(
            ConsultantRole,
            name="consultant_role",
            values_callable=lambda e: [m.value for m in e],
        )
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app once (only its hash is
    kept). A user has a set of them while the second factor is on; a new set replaces the
    old one."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class LinkPurpose(enum.StrEnum):
    """What a single-use account link (sent by email) is for."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a secret


class AccountLink(Timestamped, Base):
    """A single-use link sent by email (verify the address of a sign-up, reset a
    password). Only the SHA-256 of the token is kept: the link itself exists only in the
    message. Issuing a new link of the same purpose retires the older ones."""

    __tablename__ = "account_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The municipality a sign-up verification belongs to (None for password resets).
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[LinkPurpose] = mapped_column(
        Enum(
            LinkPurpose, name="account_link_purpose", values_callable=lambda e: [m.value for m in e]
        )
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
