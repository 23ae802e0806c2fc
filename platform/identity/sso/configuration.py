"""Reading and saving a municipality's identity provider settings (on a session bound to
the municipality). The client secret is stored encrypted, never shown back and never put
on the audit trail: the trail only says that it was set or replaced."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.crypto import SecretBox
from saypro.platform.errors import InvalidInput
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.sso.discovery import DiscoveryError, fetch_metadata, issuer_problem
from saypro.platform.identity.sso.models import SsoProvider
from saypro.platform.validation import Input

SECRET_PURPOSE = "sso-client-secret"  # noqa: S105 - a key-derivation label, not a secret
SECRET_MASK = "********"  # noqa: S105 - what the trail shows instead of the secret
# A person provisioned at first sign-in never becomes an administrator by default.
DEFAULT_ROLES = (Role.EDITOR, Role.CONTRIBUTOR, Role.VIEWER)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
AUDITED = ("issuer", "client_id", "allowed_domains", "default_role", "sso_required", "enabled")


def secret_box(secret_key: str) -> SecretBox:
    return SecretBox(secret_key, SECRET_PURPOSE)


class SsoSettingsInput(Input):
    issuer: Annotated[str, Field(min_length=1, max_length=500)]
    client_id: Annotated[str, Field(min_length=1, max_length=255)]
    # Blank keeps the stored secret (the form never shows it).
    client_secret: Annotated[str, Field(max_length=2000)] = ""
    allowed_domains: Annotated[str, Field(min_length=1, max_length=4000)]
    default_role: Role = Role.VIEWER
    enabled: bool = False
    # Declared after ``enabled``, so its validator can see it.
    sso_required: bool = False

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        problem = issuer_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: str) -> str:
        domains = parse_domains(value)
        bad = [d for d in domains if not _DOMAIN.match(d)]
        if bad:
            raise ValueError(f"{', '.join(bad)} is not a domain such as example.gov.za")
        if not domains:
            raise ValueError("name at least one email domain, such as example.gov.za")
        return value

    @field_validator("default_role")
    @classmethod
    def _role(cls, value: Role) -> Role:
        if value not in DEFAULT_ROLES:
            raise ValueError("must be editor, contributor or viewer (admins are appointed)")
        return value

    @field_validator("sso_required")
    @classmethod
    def _required_needs_enabled(cls, value: bool, info: ValidationInfo) -> bool:
        # Requiring a provider that is switched off would lock every member out.
        if value and not info.data.get("enabled"):
            raise ValueError("can only be switched on while single sign-on is enabled")
        return value


def parse_domains(text: str) -> list[str]:
    """Domains separated by commas, spaces or new lines; lower-case, no leading '@',
    each once, in the order given."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text):
        domain = part.strip().lower().lstrip("@")
        if domain:
            seen.setdefault(domain, None)
    return list(seen)


async def get_provider(session: AsyncSession) -> SsoProvider | None:
    """The bound municipality's provider settings, if any."""
    return await session.scalar(select(SsoProvider))


def _image(provider: SsoProvider, secret: str) -> dict[str, Any]:
    image = audit.snapshot(provider, AUDITED)
    image["allowed_domains"] = list(provider.allowed_domains)
    image["client_secret"] = secret
    return image


async def save_provider(
    session: AsyncSession, settings: SsoSettingsInput, box: SecretBox
) -> SsoProvider:
    """Create or update the provider after checking that its discovery document can be
    read and names the same issuer. Raises :class:`InvalidInput` on the field at fault."""
    existing = await get_provider(session)
    if existing is None and not settings.client_secret:
        raise InvalidInput("is required", field="client_secret")
    try:
        await fetch_metadata(settings.issuer)
    except DiscoveryError as error:
        raise InvalidInput(str(error), field="issuer") from error
    domains = parse_domains(settings.allowed_domains)
    if existing is None:
        provider = SsoProvider(
            issuer=settings.issuer,
            client_id=settings.client_id,
            client_secret_encrypted=box.encrypt(settings.client_secret),
            allowed_domains=domains,
            default_role=settings.default_role,
            sso_required=settings.sso_required,
            enabled=settings.enabled,
        )
        session.add(provider)
        await session.flush()
        audit.record(
            session,
            "sso.configured",
            entity_type="sso_provider",
            entity_id=provider.id,
            after=_image(provider, SECRET_MASK),
        )
        return provider
    before = _image(existing, SECRET_MASK)
    existing.issuer = settings.issuer
    existing.client_id = settings.client_id
    existing.allowed_domains = domains
    existing.default_role = settings.default_role
    existing.sso_required = settings.sso_required
    existing.enabled = settings.enabled
    secret_image = SECRET_MASK
    if settings.client_secret:
        existing.client_secret_encrypted = box.encrypt(settings.client_secret)
        secret_image = f"{SECRET_MASK} (replaced)"
    await session.flush()
    audit.record(
        session,
        "sso.updated",
        entity_type="sso_provider",
        entity_id=existing.id,
        before=before,
        after=_image(existing, secret_image),
    )
    return existing
