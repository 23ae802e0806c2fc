"""Who a verified ID token is in the municipality (on a session bound to it).

Matching, in order:
1. the provider identity (issuer + subject) already linked to a user: that user;
2. otherwise the verified email, which must be at one of the allowed domains:
   * a member of the municipality with that email: linked and signed in;
   * an account that exists but is not a member: refused (joining a municipality takes
     an invitation or an administrator, never just an email address at its provider);
   * nobody: a new account (no password) with a membership in the default role.
Every link and every new account goes on the municipality's audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.identity import invitations
from saypro.platform.identity.models import User
from saypro.platform.identity.service import add_membership, create_user, is_member
from saypro.platform.identity.sso.models import SsoIdentity, SsoProvider


class SignInRefused(Exception):
    """The person may not sign in through this provider; the message says why, for them."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def _display_name(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    return email.split("@", 1)[0][:200]


async def _link(
    session: AsyncSession, provider: SsoProvider, claims: dict[str, Any], user: User
) -> None:
    identity = SsoIdentity(
        issuer=provider.issuer,
        subject=claims["sub"],
        user_id=user.id,
        last_signed_in_at=datetime.now(UTC),
    )
    session.add(identity)
    await session.flush()
    audit.record(
        session,
        "sso.identity_linked",
        entity_type="user",
        entity_id=user.id,
        after={"issuer": provider.issuer, "subject": claims["sub"], "email": user.email},
    )


async def resolve_user(
    session: AsyncSession, provider: SsoProvider, claims: dict[str, Any], municipality: str
) -> User:
    """The user this sign-in is for, linked or created as needed; raises
    :class:`SignInRefused` when the person may not come in."""
    tenant_id = require_tenant(session)
    identity = await session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == provider.issuer, SsoIdentity.subject == claims["sub"]
        )
    )
    if identity is not None:
        linked = await session.get(User, identity.user_id)
        if linked is None or not linked.is_active:
            raise SignInRefused("This account is disabled.", reason="account_inactive")
        if not await is_member(session, tenant_id, linked.id):
            raise SignInRefused(
                f"Your account is no longer a member of {municipality}. "
                "Ask one of its administrators to add you again.",
                reason="not_a_member",
            )
        identity.last_signed_in_at = datetime.now(UTC)
        await session.flush()
        return linked

    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(
            "Your identity provider did not share your email address, which is needed to "
            "sign in. Ask your IT department to release the 'email' claim.",
            reason="email_missing",
        )
    if claims.get("email_verified") is not True:
        raise SignInRefused(
            "Your identity provider has not verified your email address, so it cannot be used "
            "to sign in.",
            reason="email_unverified",
        )
    email = email.strip().lower()
    domain = email_domain(email)
    if domain not in provider.allowed_domains:
        raise SignInRefused(
            f"Email addresses at {domain} may not sign in to {municipality}.",
            reason="domain_not_allowed",
        )

    user = await session.scalar(select(User).where(func.lower(User.email) == email))
    invitation = await invitations.usable_invitation_for(session, email)
    if user is not None:
        if not user.is_active:
            raise SignInRefused("This account is disabled.", reason="account_inactive")
        if invitation is not None and not await is_member(session, tenant_id, user.id):
            # Invited: signing in through the municipality's provider accepts it.
            await invitations.accept(session, invitation, user)
        if not await is_member(session, tenant_id, user.id):
            raise SignInRefused(
                f"{email} already has a SayPro account, but it is not a member of "
                f"{municipality}. Ask one of its administrators to invite you.",
                reason="not_a_member",
            )
        other = await session.scalar(
            select(SsoIdentity.subject).where(
                SsoIdentity.issuer == provider.issuer, SsoIdentity.user_id == user.id
            )
        )
        if other is not None:
            # The address now belongs to someone else at the provider (a reused mailbox):
            # the account stays with the person it was linked to.
            raise SignInRefused(
                "This email address is linked to another person at your identity provider. "
                "Ask one of the municipality's administrators for help.",
                reason="subject_mismatch",
            )
        await _link(session, provider, claims, user)
        await session.flush()
        return user

    name = _display_name(claims, email)
    created = await session.run_sync(
        lambda sync: create_user(
            sync, email=email, full_name=name, password=None, email_verified=True
        )
    )
    if invitation is not None:
        # Invited before their first sign-in: the invitation's role, not the default.
        role = (await invitations.accept(session, invitation, created)).role
    else:
        role = provider.default_role
        await session.run_sync(
            lambda sync: add_membership(sync, user=created, tenant_id=tenant_id, role=role)
        )
    audit.record(
        session,
        "sso.user_provisioned",
        entity_type="user",
        entity_id=created.id,
        after={"email": email, "full_name": name, "role": role.value},
    )
    await _link(session, provider, claims, created)
    # Written now, while the municipality is bound: completing the sign-in binds each of
    # the user's municipalities in turn.
    await session.flush()
    return created
