"""Test data: tenants, users and memberships with unique names, written as the runtime role."""

from __future__ import annotations

import secrets
import string
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pyotp
from sqlalchemy import update

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity import service as identity
from saypro.platform.identity import totp, two_factor
from saypro.platform.identity.models import ConsultantAssignment, Invitation, User
from saypro.platform.identity.permissions import ConsultantRole, Role, StaffRole
from saypro.platform.tenancy import service as tenancy
from tests.servers import TEST_SECRET_KEY

PASSWORD = "correct horse battery staple"
# Second-factor seeds of test users, so that ``login()`` can answer the second sign-in
# step for users who have one (SayPro staff must), and the last step each used.
TOTP_SEEDS: dict[uuid.UUID, str] = {}
_LAST_STEPS: dict[uuid.UUID, int] = {}


@dataclass(frozen=True)
class TenantRef:
    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True)
class UserRef:
    id: uuid.UUID
    email: str


def make_tenant(database: Database, *, seed: bool = False, name: str | None = None) -> TenantRef:
    suffix = secrets.token_hex(4)
    code = "".join(secrets.choice(string.ascii_uppercase) for _ in range(3)) + str(
        secrets.randbelow(1000)
    )
    with database.sync_sessions() as session, session.begin():
        tenant = tenancy.create_tenant(
            session,
            name=name or f"Test Local Municipality {suffix}",
            slug=f"test-{suffix}",
            demarcation_code=code,
            province="WC",
            category="B",
            seed=seed,
        )
        return TenantRef(tenant.id, tenant.slug, tenant.name)


def make_user(
    database: Database, *memberships: tuple[TenantRef, Role], name: str = "Test User"
) -> UserRef:
    email = f"user-{secrets.token_hex(5)}@example.org"
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        user = identity.create_user(
            session, email=email, full_name=name, password=PASSWORD, email_verified=True
        )
        for tenant, role in memberships:
            identity.add_membership(session, user=user, tenant_id=tenant.id, role=role)
        return UserRef(user.id, email)


def make_staff(
    database: Database,
    role: StaffRole,
    *,
    name: str = "SayPro Staff",
    second_factor: bool = True,
) -> UserRef:
    """A SayPro staff account; with its second factor on unless asked otherwise (staff
    must have one), so ``login()`` answers the second step."""
    email = f"staff-{secrets.token_hex(5)}@saypro.example.org"
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        user = identity.create_user(
            session, email=email, full_name=name, password=PASSWORD, email_verified=True
        )
        user.staff_role = role
        ref = UserRef(user.id, email)
    if second_factor:
        enable_second_factor(database, ref)
    return ref


def assign_consultant(
    database: Database,
    consultant: UserRef,
    tenant: TenantRef,
    role: ConsultantRole = ConsultantRole.LEAD,
    *,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        session.add(
            ConsultantAssignment(
                user_id=consultant.id,
                tenant_id=tenant.id,
                role=role,
                starts_on=starts_on or today_sast(),
                ends_on=ends_on,
            )
        )


def enable_second_factor(database: Database, user: UserRef) -> str:
    """Switch the user's second factor on directly (tests about anything but enrolment);
    returns the seed, also kept for ``login()``."""
    seed = totp.new_seed()
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                totp_seed=two_factor.seed_box(TEST_SECRET_KEY).encrypt(seed),
                totp_enabled_at=datetime.now(UTC),
                totp_last_step=None,
            )
        )
    TOTP_SEEDS[user.id] = seed
    _LAST_STEPS.pop(user.id, None)
    return seed


def next_code(user: UserRef) -> str:
    """A code the server has not accepted yet from this user (codes are single-use: after
    using the next step's code, wait for the step after)."""
    step = max(totp.current_step(), _LAST_STEPS.get(user.id, -1) + 1)
    while step > totp.current_step() + totp.DRIFT_STEPS:
        time.sleep(totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS + 0.05)
    _LAST_STEPS[user.id] = step
    return pyotp.TOTP(TOTP_SEEDS[user.id]).generate_otp(step)


def make_invitation(
    database: Database, tenant: TenantRef, *, email: str | None = None, role: Role = Role.VIEWER
) -> uuid.UUID:
    """An open invitation of the municipality (its token is never needed here)."""
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        invitation = Invitation(
            email=email or f"invitee-{uuid.uuid4().hex[:10]}@example.org",
            role=role,
            token_hash=uuid.uuid4().hex,
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
        session.add(invitation)
        session.flush()
        return invitation.id
