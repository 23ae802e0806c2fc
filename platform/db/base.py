"""Declarative base and the two kinds of table the platform knows.

Every table is either *tenant-owned* (inherits :class:`TenantScoped`: composite primary
key ``(tenant_id, id)``, row-level security, the ORM adds the tenant criterion) or
*platform-wide* (listed in :data:`saypro.platform.db.scopes.PLATFORM_WIDE_TABLES`).
The schema test fails on a table that is neither.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from saypro.platform.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    # Fetch server-generated values (timestamps) in the INSERT/UPDATE itself, so async
    # code never triggers a lazy load to read them.
    __mapper_args__ = {"eager_defaults": True}

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class TenantScoped:
    """Mixin for every tenant-owned model (combine with :class:`Timestamped` as needed).

    ``tenant_id`` leads the primary key so that every index built on the key is
    tenant-led and the table can later be distributed by tenant (Citus).
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - declared_attr takes the class
        return mapped_column(primary_key=True, nullable=False, sort_order=-20)

    @declared_attr
    def id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(primary_key=True, default=new_id, sort_order=-10)
