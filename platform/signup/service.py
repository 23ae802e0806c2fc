"""Signing a municipality up, verifying its first admin, and abandoned sign-ups.

A sign-up creates the municipality (its workspace seeded from the default template) and
its first tenant admin, an account with no password and an unverified address, and
issues a verification link. Following the link sets the password and verifies the
address. A sign-up whose links all expired unverified is *abandoned*: it holds nothing
any more. Registering the same demarcation code, address or email again removes it
(see ``discard_abandoned_sign_up`` in the migrations) before the new one is created.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import anyio.to_thread
from pydantic import Field, field_validator
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.audit.service import Actor, set_actor
from saypro.platform.db.tenancy import bind_tenant, bind_tenant_sync
from saypro.platform.errors import Conflict
from saypro.platform.identity import service as identity
from saypro.platform.identity.account_links import issue_link, now, use_link
from saypro.platform.identity.models import AccountLink, LinkPurpose, User
from saypro.platform.identity.passwords import hash_password
from saypro.platform.identity.permissions import Role
from saypro.platform.tenancy import service as tenancy
from saypro.platform.tenancy.models import MunicipalCategory, Province, Tenant
from saypro.platform.validation import Input

VAT_NUMBER = re.compile(r"^4[0-9]{9}$")


class SignUpForm(Input):
    municipality_name: Annotated[str, Field(min_length=3, max_length=200)]
    demarcation_code: Annotated[str, Field(min_length=2, max_length=10)]
    province: Province
    category: MunicipalCategory
    vat_number: Annotated[str | None, Field(max_length=20)] = None
    slug: Annotated[str | None, Field(max_length=63)] = None
    full_name: Annotated[str, Field(min_length=2, max_length=200)]
    email: Annotated[str, Field(max_length=320)]

    @field_validator("province", mode="before")
    @classmethod
    def _province(cls, value: object) -> object:
        if value not in {p.value for p in Province}:
            raise ValueError("choose the province")
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> object:
        if value not in {c.value for c in MunicipalCategory}:
            raise ValueError("choose A (metropolitan), B (local) or C (district)")
        return value

    @field_validator("demarcation_code")
    @classmethod
    def _code(cls, value: str) -> str:
        code = value.strip().upper()
        if not tenancy.DEMARCATION_CODE.match(code):
            raise ValueError("must look like WC044, KZN or DC43")
        return code

    @field_validator("vat_number")
    @classmethod
    def _vat(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = re.sub(r"[\s-]", "", value)
        if not VAT_NUMBER.match(digits):
            raise ValueError("a South African VAT number has 10 digits and starts with 4")
        return digits

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is None:
            return None
        slug = value.strip().lower()
        if not tenancy.SLUG.match(slug):
            raise ValueError("may hold only lowercase letters, digits and single hyphens")
        return slug

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return identity.normalise_email(value)


class SlugTaken(Conflict):
    """The web address is taken; ``suggestion`` is a free one."""

    def __init__(self, slug: str, suggestion: str) -> None:
        super().__init__(f"the address /t/{slug}/ is taken; /t/{suggestion}/ is free", field="slug")
        self.suggestion = suggestion


@dataclass(frozen=True)
class SignedUp:
    tenant_id: uuid.UUID
    tenant_name: str
    slug: str
    user_id: uuid.UUID
    email: str
    full_name: str
    token: str


async def discard_if_abandoned(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Remove the sign-up of ``tenant_id`` if it is abandoned (the database decides)."""
    result = await session.scalar(
        text("SELECT discard_abandoned_sign_up(:tenant)"), {"tenant": tenant_id}
    )
    # The rows are gone behind the ORM's back: forget whatever it had loaded.
    session.expunge_all()
    return bool(result)


async def awaiting_verification(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(AccountLink.id).where(
            AccountLink.tenant_id == tenant_id,
            AccountLink.purpose == LinkPurpose.VERIFY_EMAIL,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now(),
        )
    )
    return found is not None


async def _free_slug(session: AsyncSession, base: str, code: str) -> str:
    candidates = [f"{base}-{code.lower()}"] + [f"{base}-{n}" for n in range(2, 100)]
    for candidate in candidates:
        candidate = candidate[:63].strip("-")
        if await session.scalar(select(Tenant.id).where(Tenant.slug == candidate)) is None:
            return candidate
    return f"{base[:50]}-{uuid.uuid4().hex[:8]}"


async def _clear_the_way(session: AsyncSession, form: SignUpForm, slug: str) -> None:
    """Refuse a sign-up that clashes with a municipality or account in use; remove an
    abandoned sign-up it clashes with."""
    by_code = await session.scalar(
        select(Tenant.id).where(func.upper(Tenant.demarcation_code) == form.demarcation_code)
    )
    if by_code is not None and not await discard_if_abandoned(session, by_code):
        if await awaiting_verification(session, by_code):
            raise Conflict(
                f"{form.demarcation_code} was signed up recently and is waiting for its "
                "administrator to verify their email address; the link can be sent again "
                "below",
                field="demarcation_code",
            )
        raise Conflict(
            f"a municipality with demarcation code {form.demarcation_code} is already "
            "registered; ask its administrator to invite you",
            field="demarcation_code",
        )
    by_slug = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if by_slug is not None and not await discard_if_abandoned(session, by_slug):
        raise SlugTaken(slug, await _free_slug(session, slug, form.demarcation_code))
    user_id = await identity.find_user_id(session, form.email)
    if user_id is not None:
        tenant_ids = (
            await session.scalars(
                select(AccountLink.tenant_id)
                .where(
                    AccountLink.user_id == user_id,
                    AccountLink.purpose == LinkPurpose.VERIFY_EMAIL,
                    AccountLink.tenant_id.is_not(None),
                )
                .distinct()
            )
        ).all()
        for tenant_id in tenant_ids:
            if tenant_id is not None:
                await discard_if_abandoned(session, tenant_id)
        remaining = await session.scalar(
            select(User.email_verified_at.is_(None)).where(func.lower(User.email) == form.email)
        )
        if remaining:
            raise Conflict(
                "a sign-up with this email is waiting for verification; the link can be "
                "sent again below",
                field="email",
            )
        if remaining is not None:
            raise Conflict(
                "an account with this email already exists; sign in with it, or use "
                "another address",
                field="email",
            )


async def sign_up(session: AsyncSession, form: SignUpForm, actor: Actor) -> SignedUp:
    """Create the municipality, its workspace and its first admin, and a verification
    link (its token is returned for the message). Raises a ``DomainError`` naming the
    field on a clash; run it in a savepoint so a refusal leaves nothing behind."""
    slug = form.slug or tenancy.slugify(form.municipality_name)
    await _clear_the_way(session, form, slug)
    set_actor(session, actor)

    def create(sync: Session) -> tuple[Tenant, User]:
        bind_tenant_sync(sync, None)
        tenant = tenancy.create_tenant(
            sync,
            name=form.municipality_name,
            demarcation_code=form.demarcation_code,
            province=form.province,
            category=form.category,
            slug=slug,
        )
        tenant.vat_number = form.vat_number
        user = identity.create_user(sync, email=form.email, full_name=form.full_name, password=None)
        identity.add_membership(sync, user=user, tenant_id=tenant.id, role=Role.TENANT_ADMIN)
        # The person signing up is the new account: the trail names it.
        set_actor(
            sync,
            Actor(
                user_id=user.id,
                name=user.full_name,
                request_id=actor.request_id,
                ip_address=actor.ip_address,
            ),
        )
        tenancy.record_registration(sync, tenant, "tenant.signed_up", admin_email=user.email)
        sync.flush()
        bind_tenant_sync(sync, None)
        return tenant, user

    tenant, user = await session.run_sync(create)
    token = await issue_link(
        session, user_id=user.id, purpose=LinkPurpose.VERIFY_EMAIL, tenant_id=tenant.id
    )
    return SignedUp(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        slug=tenant.slug,
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        token=token,
    )


@dataclass(frozen=True)
class Verified:
    user: User
    tenant_slug: str | None


async def verify(session: AsyncSession, token: str, password: str) -> Verified | str:
    """Use a verification link: set the password and mark the address verified. Returns
    what was verified, or why the link cannot be used ("unknown", "used", "expired")."""
    state = await use_link(session, token, LinkPurpose.VERIFY_EMAIL)
    if state.problem is not None or state.link is None:
        return state.problem or "unknown"
    user = await session.get(User, state.link.user_id)
    if user is None or not user.is_active:
        return "unknown"
    user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
    user.email_verified_at = datetime.now(UTC)
    await session.flush()
    slug = None
    if state.link.tenant_id is not None:
        slug = await session.scalar(select(Tenant.slug).where(Tenant.id == state.link.tenant_id))
    return Verified(user=user, tenant_slug=slug)


@dataclass(frozen=True)
class Resent:
    email: str
    full_name: str
    tenant_name: str
    token: str


async def resend_verification(session: AsyncSession, email: str) -> Resent | None:
    """A fresh verification link for a sign-up still waiting for it (older links stop
    working); ``None`` when there is no such sign-up for the address."""
    try:
        address = identity.normalise_email(email)
    except ValueError:
        return None
    user = await session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None or user.email_verified_at is not None or not user.is_active:
        return None
    row = (
        await session.execute(
            select(Tenant.id, Tenant.name)
            .join(AccountLink, AccountLink.tenant_id == Tenant.id)
            .where(
                AccountLink.user_id == user.id,
                AccountLink.purpose == LinkPurpose.VERIFY_EMAIL,
            )
            .order_by(AccountLink.created_at.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    tenant_id, tenant_name = row
    token = await issue_link(
        session, user_id=user.id, purpose=LinkPurpose.VERIFY_EMAIL, tenant_id=tenant_id
    )
    return Resent(email=user.email, full_name=user.full_name, tenant_name=tenant_name, token=token)


async def record_verified(session: AsyncSession, user_id: uuid.UUID, actor: Actor) -> None:
    await identity.record_account_event(session, user_id, "identity.email_verified", actor)
    await bind_tenant(session, None)
