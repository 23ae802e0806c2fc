"""The demo data: seeded once, listed again on later runs, with SayPro staff whose access
to the municipalities comes from consultant assignments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from saypro.platform.db.engine import Database
from saypro.platform.demo import DEMO_PASSWORD, MUNICIPALITIES, seed_demo
from saypro.platform.identity.models import ConsultantAssignment, Membership, User
from saypro.platform.identity.passwords import verify_password
from saypro.platform.identity.permissions import ConsultantRole, StaffRole
from saypro.platform.tenancy.models import Tenant
from tests import servers


@pytest.fixture
def demo_database(admin_url: str) -> Iterator[Database]:
    with servers.fresh_database(admin_url) as urls:
        database = Database.connect(urls.runtime, pool_size=1)
        yield database
        database.sync_engine.dispose()


def test_the_demo_is_seeded_once_with_staff_reaching_municipalities_by_assignment(
    demo_database: Database,
) -> None:
    with demo_database.sync_sessions() as session, session.begin():
        first = seed_demo(session)
    with demo_database.sync_sessions() as session, session.begin():
        second = seed_demo(session)
    assert first == second

    with demo_database.sync_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == len(MUNICIPALITIES)
        staff = {
            user.email: user
            for user in session.scalars(select(User).where(User.staff_role.is_not(None)))
        }
        assert {u.staff_role for u in staff.values()} == set(StaffRole)
        consultant = staff["consultant@saypro.example.org"]
        roles = session.scalars(
            select(ConsultantAssignment.role).where(ConsultantAssignment.user_id == consultant.id)
        ).all()
        assert sorted(roles) == sorted([ConsultantRole.LEAD, ConsultantRole.SUPPORT])
        # Staff reach workspaces only through assignments, never memberships.
        staff_ids = [u.id for u in staff.values()]
        assert session.scalar(select(func.count()).where(Membership.user_id.in_(staff_ids))) == 0
        for login in first:
            user = session.scalars(select(User).where(User.email == login.email)).one()
            assert verify_password(user.password_hash, DEMO_PASSWORD), login.email
            assert user.email_verified_at is not None, login.email  # can sign in
