"""Creating and listing tenants (municipalities)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.errors import Conflict, InvalidInput
from saypro.platform.modules import load_modules
from saypro.platform.tenancy.models import MunicipalCategory, Province, Tenant

DEMARCATION_CODE = re.compile(r"^[A-Z]{2,3}[0-9]{0,3}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:63].strip("-")


def create_tenant(
    session: Session,
    *,
    name: str,
    demarcation_code: str,
    province: Province | str,
    category: MunicipalCategory | str,
    slug: str | None = None,
    seed: bool = True,
) -> Tenant:
    """Register a municipality and seed its workspace from the default template.

    The session must have no tenant bound; it is bound to the new tenant for seeding
    and left bound to it.
    """
    name = name.strip()
    if len(name) < 3:
        raise InvalidInput("must be at least 3 characters", field="name")
    code = demarcation_code.strip().upper()
    if not DEMARCATION_CODE.match(code):
        raise InvalidInput("must look like WC044, KZN or DC43", field="demarcation_code")
    slug = (slug or slugify(name)).strip().lower()
    if not SLUG.match(slug):
        raise InvalidInput(
            "may hold only lowercase letters, digits and single hyphens", field="slug"
        )
    try:
        province_value = Province(province)
    except ValueError:
        raise InvalidInput(
            f"must be one of {', '.join(p.value for p in Province)}", field="province"
        ) from None
    try:
        category_value = MunicipalCategory(category)
    except ValueError:
        raise InvalidInput("must be A, B or C", field="category") from None
    if session.scalar(select(Tenant.id).where(func.upper(Tenant.demarcation_code) == code)):
        raise Conflict(
            f"a municipality with demarcation code {code} is already registered",
            field="demarcation_code",
        )
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict(f"the address /t/{slug} is taken", field="slug")
    tenant = Tenant(
        name=name,
        slug=slug,
        demarcation_code=code,
        province=province_value,
        category=category_value,
    )
    session.add(tenant)
    session.flush()
    if seed:
        bind_tenant_sync(session, tenant.id)
        for module in load_modules():
            if module.seed_workspace is not None:
                module.seed_workspace(session)
    return tenant


REGISTRATION_FIELDS = ("name", "slug", "demarcation_code", "province", "category", "vat_number")


def record_registration(session: Session, tenant: Tenant, action: str, **details: Any) -> None:
    """Open the municipality's own audit trail with how it came to be (signed up on the
    web, registered by a platform admin or an operator); leaves the session bound to it."""
    bind_tenant_sync(session, tenant.id)
    audit.record(
        session,
        action,
        entity_type="tenant",
        entity_id=tenant.id,
        after={**audit.snapshot(tenant, REGISTRATION_FIELDS), **details},
    )
    session.flush()


def list_tenants(session: Session) -> Sequence[Tenant]:
    return session.scalars(select(Tenant).order_by(Tenant.name)).all()


def get_tenant_by_slug(session: Session, slug: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.slug == slug))
