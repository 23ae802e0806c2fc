"""The second factor of an account: enrolment, checking codes, recovery codes, and who
must have one.

The seed is stored encrypted (:class:`SecretBox`, purpose ``totp-seed``); it counts only
once the user has confirmed it with a code from their app. Every accepted code moves the
user's last accepted time step forward, under a row lock, so a code is never accepted
twice. Recovery codes are stored as hashes and are used up by one atomic update.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.crypto import SecretBox
from saypro.platform.errors import Conflict, InvalidInput, NotFound
from saypro.platform.identity import totp
from saypro.platform.identity.models import Membership, RecoveryCode, User
from saypro.platform.tenancy.models import Tenant

SEED_PURPOSE = "totp-seed"
WRONG_CODE = "is not a current code from your authenticator app"


class SecondFactor(enum.StrEnum):
    """How the second step of a sign-in was passed (it goes on the audit record)."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


@dataclass(frozen=True)
class Enrolment:
    """A seed waiting for its first code: what the enrolment page shows."""

    seed: str
    uri: str
    qr_data_uri: str


def seed_box(secret_key: str) -> SecretBox:
    return SecretBox(secret_key, SEED_PURPOSE)


async def required_for(session: AsyncSession, user_id: uuid.UUID, staff: bool) -> bool:
    """SayPro staff always need a second factor; a municipal user needs one when a
    municipality they belong to requires it of its members."""
    if staff:
        return True
    required = await session.scalar(
        select(
            exists()
            .where(Membership.user_id == user_id)
            .where(Membership.tenant_id == Tenant.id)
            .where(Tenant.require_two_factor.is_(True))
        )
    )
    return bool(required)


async def _locked_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    # The row lock serialises concurrent checks of the same user's codes (replays).
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound()
    return user


def _accept_code(user: User, box: SecretBox, code: str, at: float | None) -> bool:
    if user.totp_seed is None:
        return False
    step = totp.matching_step(box.decrypt(user.totp_seed), code, user.totp_last_step, at)
    if step is None:
        return False
    user.totp_last_step = step
    return True


async def begin_enrolment(session: AsyncSession, user_id: uuid.UUID, box: SecretBox) -> None:
    """A new seed, not yet switched on (a previous unconfirmed one is replaced)."""
    user = await _locked_user(session, user_id)
    if user.totp_enabled_at is not None:
        raise Conflict("two-factor sign-in is already on")
    user.totp_seed = box.encrypt(totp.new_seed())
    user.totp_last_step = None
    await session.flush()


async def pending_enrolment(
    session: AsyncSession, user_id: uuid.UUID, box: SecretBox
) -> Enrolment | None:
    user = await session.get(User, user_id)
    if user is None or user.totp_seed is None or user.totp_enabled_at is not None:
        return None
    seed = box.decrypt(user.totp_seed)
    uri = totp.provisioning_uri(seed, user.email)
    return Enrolment(seed=seed, uri=uri, qr_data_uri=totp.qr_data_uri(uri))


async def _replace_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = totp.new_recovery_codes()
    session.add_all(
        RecoveryCode(user_id=user_id, code_hash=totp.hash_recovery_code(code)) for code in codes
    )
    await session.flush()
    return codes


async def confirm_enrolment(
    session: AsyncSession, user_id: uuid.UUID, box: SecretBox, code: str, at: float | None = None
) -> list[str]:
    """Switch the second factor on if ``code`` is right; returns the new recovery codes
    (shown once: only their hashes are kept)."""
    user = await _locked_user(session, user_id)
    if user.totp_enabled_at is not None:
        raise Conflict("two-factor sign-in is already on")
    if user.totp_seed is None:
        raise Conflict("start the set-up again: there is no secret waiting for a code")
    if not _accept_code(user, box, code, at):
        raise InvalidInput(WRONG_CODE, field="code")
    user.totp_enabled_at = datetime.now(UTC)
    await session.flush()
    return await _replace_recovery_codes(session, user_id)


async def regenerate_recovery_codes(
    session: AsyncSession, user_id: uuid.UUID, box: SecretBox, code: str, at: float | None = None
) -> list[str]:
    user = await _locked_user(session, user_id)
    if user.totp_enabled_at is None:
        raise Conflict("two-factor sign-in is not on")
    if not _accept_code(user, box, code, at):
        raise InvalidInput(WRONG_CODE, field="code")
    await session.flush()
    return await _replace_recovery_codes(session, user_id)


async def disable(
    session: AsyncSession,
    user_id: uuid.UUID,
    box: SecretBox,
    code: str,
    *,
    required: bool,
    at: float | None = None,
) -> None:
    """Switch the second factor off (needs a current code). Refused when the account must
    have one (SayPro staff; members of a municipality that requires it)."""
    if required:
        raise Conflict("your account must keep two-factor sign-in on", field="code")
    user = await _locked_user(session, user_id)
    if user.totp_enabled_at is None:
        raise Conflict("two-factor sign-in is not on")
    if not _accept_code(user, box, code, at):
        raise InvalidInput(WRONG_CODE, field="code")
    user.totp_seed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.flush()


async def verify(
    session: AsyncSession, user_id: uuid.UUID, box: SecretBox, code: str, at: float | None = None
) -> SecondFactor | None:
    """Check the second step of a sign-in: a current code from the app, or an unused
    recovery code (which is used up). ``None`` when neither."""
    user = await _locked_user(session, user_id)
    if user.totp_enabled_at is None:
        return None
    if totp.looks_like_totp_code(code):
        if _accept_code(user, box, code, at):
            await session.flush()
            return SecondFactor.TOTP
        return None
    used = await session.scalar(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == totp.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=func.now())
        .returning(RecoveryCode.id)
    )
    return SecondFactor.RECOVERY_CODE if used is not None else None


async def unused_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


# --- a municipality's requirement ---------------------------------------------------------------


async def tenant_requires(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(select(Tenant.require_two_factor).where(Tenant.id == tenant_id))
    )


async def set_tenant_requirement(
    session: AsyncSession, tenant_id: uuid.UUID, required: bool
) -> None:
    """Whether the municipality's members must sign in with a second factor (audited in
    the municipality's trail; the session is bound to it)."""
    tenant = await session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
    if tenant is None:
        raise NotFound()
    before = {"require_two_factor": tenant.require_two_factor}
    tenant.require_two_factor = required
    await session.flush()
    audit.record(
        session,
        "tenant.two_factor_requirement_changed",
        entity_type="tenant",
        entity_id=tenant_id,
        before=before,
        after={"require_two_factor": required},
    )


async def members_without_second_factor(session: AsyncSession, tenant_id: uuid.UUID) -> list[str]:
    """Names of the municipality's active members who have no second factor on."""
    names = await session.scalars(
        select(User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == tenant_id,
            User.is_active.is_(True),
            User.totp_enabled_at.is_(None),
        )
        .order_by(User.full_name)
    )
    return list(names.all())
