"""Invitations to join a municipality: an admin invites an address with a role; the
person follows a single-use link to accept, with a new account or the one they have.

The link carries a random token; only its SHA-256 hash is stored, so the table cannot
be used to accept an invitation. An invitation is open until it is accepted, revoked or
replaced (a resend issues a new token, which kills the old link), and its link works
until ``expires_at``.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from saypro.platform.audit import service as audit
from saypro.platform.clock import SAST
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.email.service import queue_email
from saypro.platform.errors import Conflict, NotFound
from saypro.platform.identity.members import member_with_email
from saypro.platform.identity.models import Invitation, Membership, User
from saypro.platform.identity.passwords import hash_password
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.service import DuplicateEmail, normalise_email

TOKEN_BYTES = 32
# Longer path segments are not ours; refuse them before hashing anything.
MAX_TOKEN_LENGTH = 100


class InvitationState(enum.StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    REVOKED = "revoked"
    ACCEPTED = "accepted"


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def state_of(invitation: Invitation, at: datetime | None = None) -> InvitationState:
    if invitation.accepted_at is not None:
        return InvitationState.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= (at or now()):
        return InvitationState.EXPIRED
    return InvitationState.OPEN


@dataclass(frozen=True)
class PendingInvitation:
    id: uuid.UUID
    email: str
    role: Role
    invited_by: str | None
    sent_at: datetime
    expires_at: datetime
    expired: bool


async def list_pending(session: AsyncSession) -> Sequence[PendingInvitation]:
    """Open invitations of the bound tenant (expired ones too: they can be resent)."""
    inviter = aliased(User)
    rows = await session.execute(
        select(Invitation, inviter.full_name)
        .outerjoin(inviter, inviter.id == Invitation.invited_by_id)
        .where(
            Invitation.tenant_id == require_tenant(session),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at, Invitation.id)
    )
    moment = now()
    return [
        PendingInvitation(
            id=invitation.id,
            email=invitation.email,
            role=invitation.role,
            invited_by=inviter_name,
            sent_at=invitation.updated_at.astimezone(SAST),
            expires_at=invitation.expires_at.astimezone(SAST),
            expired=invitation.expires_at <= moment,
        )
        for invitation, inviter_name in rows.all()
    ]


async def usable_invitation_for(session: AsyncSession, email: str) -> Invitation | None:
    """The bound municipality's open, unexpired invitation to ``email`` (locked), if any:
    single sign-on honours it like following the emailed link."""
    invitation = await _open_invitation_for(session, email.strip().lower())
    if invitation is None or state_of(invitation) is not InvitationState.OPEN:
        return None
    return invitation


async def _open_invitation_for(session: AsyncSession, email: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation)
        .where(
            Invitation.tenant_id == require_tenant(session),
            func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .with_for_update()
    )


async def invite(
    session: AsyncSession,
    *,
    email: str,
    role: Role,
    invited_by: uuid.UUID | None,
    ttl: timedelta,
) -> tuple[Invitation, str]:
    """A new open invitation and its token (to be sent, never stored). Refused for a
    member of the municipality and for an address with an invitation still running."""
    address = normalise_email(email)
    if await member_with_email(session, address) is not None:
        raise Conflict(f"{address} is already a member of this municipality", field="email")
    moment = now()
    existing = await _open_invitation_for(session, address)
    if existing is not None:
        if state_of(existing, moment) is InvitationState.OPEN:
            raise Conflict(
                f"{address} already has a pending invitation: resend or revoke it",
                field="email",
            )
        # An expired invitation is closed and replaced by the new one.
        existing.revoked_at = moment
        audit.record(
            session,
            "members.invitation_revoked",
            entity_type="invitation",
            entity_id=existing.id,
            after={"email": existing.email, "reason": "expired and replaced"},
        )
    token, token_hash = _new_token()
    invitation = Invitation(
        email=address,
        role=role,
        invited_by_id=invited_by,
        token_hash=token_hash,
        expires_at=moment + ttl,
    )
    try:
        # Two admins inviting the same address at once: the open-invitation index
        # refuses the second, which becomes the same field error.
        async with session.begin_nested():
            session.add(invitation)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"{address} already has a pending invitation", field="email") from None
    audit.record(
        session,
        "members.invited",
        entity_type="invitation",
        entity_id=invitation.id,
        after={
            "email": address,
            "role": role.value,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return invitation, token


async def _get_for_update(session: AsyncSession, invitation_id: uuid.UUID) -> Invitation:
    # Scoped to the bound tenant: another municipality's invitation is simply not found.
    invitation = await session.scalar(
        select(Invitation)
        .where(
            Invitation.tenant_id == require_tenant(session),
            Invitation.id == invitation_id,
        )
        .with_for_update()
    )
    if invitation is None:
        raise NotFound()
    return invitation


async def resend(
    session: AsyncSession, invitation_id: uuid.UUID, *, ttl: timedelta
) -> tuple[Invitation, str]:
    """A new token and a new lifetime for an open (or expired) invitation; the old
    link stops working at once."""
    invitation = await _get_for_update(session, invitation_id)
    current = state_of(invitation)
    if current in (InvitationState.ACCEPTED, InvitationState.REVOKED):
        raise Conflict(f"the invitation to {invitation.email} was {current.value}", field="email")
    token, token_hash = _new_token()
    invitation.token_hash = token_hash
    invitation.expires_at = now() + ttl
    await session.flush()
    audit.record(
        session,
        "members.invitation_resent",
        entity_type="invitation",
        entity_id=invitation.id,
        after={"email": invitation.email, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation, token


async def revoke(session: AsyncSession, invitation_id: uuid.UUID) -> Invitation:
    invitation = await _get_for_update(session, invitation_id)
    if invitation.revoked_at is not None:
        return invitation  # a repeated request changes nothing
    if invitation.accepted_at is not None:
        raise Conflict(f"the invitation to {invitation.email} was accepted", field="email")
    invitation.revoked_at = now()
    await session.flush()
    audit.record(
        session,
        "members.invitation_revoked",
        entity_type="invitation",
        entity_id=invitation.id,
        after={"email": invitation.email},
    )
    return invitation


async def queue_invitation_email(
    session: AsyncSession,
    invitation: Invitation,
    *,
    join_url: str,
    municipality: str,
    inviter: str,
) -> None:
    await queue_email(
        session,
        to=invitation.email,
        template="invitation",
        context={
            "municipality": municipality,
            "inviter": inviter,
            "role": invitation.role.value.replace("_", " "),
            "join_url": join_url,
            "expires_on": invitation.expires_at.astimezone(SAST).strftime("%d %B %Y at %H:%M"),
        },
        tenant_id=invitation.tenant_id,
    )


# --- accepting ----------------------------------------------------------------------------


async def find_by_token(session: AsyncSession, token: str, *, lock: bool) -> Invitation | None:
    """The bound tenant's invitation whose link carries ``token``, locked when the caller
    is about to accept it (a second, simultaneous acceptance waits and then sees it used)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    query = select(Invitation).where(
        Invitation.tenant_id == require_tenant(session),
        Invitation.token_hash == hash_token(token),
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def user_with_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def create_invited_account(
    session: AsyncSession, invitation: Invitation, *, full_name: str, password: str
) -> User:
    """The account of a person who has none, under the invited address (following the
    emailed link proves they receive mail there)."""
    if await user_with_email(session, invitation.email) is not None:
        raise DuplicateEmail(f"a user with email {invitation.email} already exists")
    # Argon2 is deliberately slow: keep it off the event loop.
    password_hash = await anyio.to_thread.run_sync(hash_password, password)
    user = User(
        email=invitation.email,
        full_name=full_name.strip(),
        password_hash=password_hash,
        email_verified_at=datetime.now(UTC),
    )
    session.add(user)
    await session.flush()
    return user


async def accept(session: AsyncSession, invitation: Invitation, user: User) -> Membership:
    """Make ``user`` a member with the invitation's role and close the invitation. The
    caller has checked that the invitation is open and that ``user`` has its address."""
    membership = await session.scalar(
        select(Membership).where(
            Membership.tenant_id == invitation.tenant_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(
            user_id=user.id, tenant_id=invitation.tenant_id, role=invitation.role
        )
        session.add(membership)
    invitation.accepted_at = now()
    invitation.accepted_by_id = user.id
    await session.flush()
    audit.record(
        session,
        "members.invitation_accepted",
        entity_type="invitation",
        entity_id=invitation.id,
        after={"email": invitation.email, "role": membership.role.value, "user_id": str(user.id)},
    )
    return membership
