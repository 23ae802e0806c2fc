"""The tenant registry (platform-wide: it is how a request finds its tenant)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Enum, String, false
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, Timestamped
from saypro.platform.ids import new_id


class Province(enum.StrEnum):
    EASTERN_CAPE = "EC"
    FREE_STATE = "FS"
    GAUTENG = "GP"
    KWAZULU_NATAL = "KZN"
    LIMPOPO = "LP"
    MPUMALANGA = "MP"
    NORTHERN_CAPE = "NC"
    NORTH_WEST = "NW"
    WESTERN_CAPE = "WC"


class MunicipalCategory(enum.StrEnum):
    """Constitution s155: A metropolitan, B local, C district."""

    A = "A"
    B = "B"
    C = "C"


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Tenant(Timestamped, Base):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="slug_format"),
        # A South African VAT number: ten digits, the first a 4.
        CheckConstraint("vat_number ~ '^4[0-9]{9}$'", name="vat_number_format"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    demarcation_code: Mapped[str] = mapped_column(String(10), unique=True)
    province: Mapped[Province] = mapped_column(
        Enum(Province, name="province", values_callable=lambda e: [m.value for m in e])
    )
    category: Mapped[MunicipalCategory] = mapped_column(
        Enum(
            MunicipalCategory,
            name="municipal_category",
            values_callable=lambda e: [m.value for m in e],
        )
    )
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, name="tenant_status", values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.ACTIVE,
    )
    # Set by the municipality's admin: members must sign in with a second factor.
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set while the municipality is closed: its data is deleted after ``delete_after``
    # (the grace period during which it can be reopened). A closed tenant without a
    # ``delete_after`` is never deleted (nothing is deleted without a date). See
    # docs/privacy.md.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delete_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    vat_number: Mapped[str | None] = mapped_column(String(10))
    # The tenant admins closed the onboarding checklist on the workspace home.
    onboarding_dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
