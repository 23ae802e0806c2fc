"""Demo data: two municipalities, a user for every role, and workspace content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from saypro.platform.clock import today_sast
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity import service as identity
from saypro.platform.identity.models import ConsultantAssignment, User
from saypro.platform.identity.permissions import ConsultantRole, Role, StaffRole
from saypro.platform.modules import load_modules
from saypro.platform.tenancy import service as tenancy
from saypro.platform.tenancy.models import MunicipalCategory, Province

DEMO_PASSWORD = "saypro-demo-2026"  # noqa: S105 - printed for the demo logins on purpose


@dataclass(frozen=True)
class DemoMunicipality:
    name: str
    slug: str
    code: str
    province: Province
    category: MunicipalCategory
    domain: str
    people: tuple[tuple[Role, str, str], ...]


MUNICIPALITIES = (
    DemoMunicipality(
        name="Stellenbosch Local Municipality",
        slug="stellenbosch",
        code="WC024",
        province=Province.WESTERN_CAPE,
        category=MunicipalCategory.B,
        domain="stellenbosch.example.org",
        people=(
            (Role.TENANT_ADMIN, "ict.manager", "Lindiwe Jacobs"),
            (Role.EDITOR, "strategy", "Pieter van Wyk"),
            (Role.CONTRIBUTOR, "kpi.capturer", "Ayanda Mokoena"),
            (Role.VIEWER, "internal.audit", "Fatima Davids"),
        ),
    ),
    DemoMunicipality(
        name="uMgungundlovu District Municipality",
        slug="umgungundlovu",
        code="DC22",
        province=Province.KWAZULU_NATAL,
        category=MunicipalCategory.C,
        domain="umgungundlovu.example.org",
        people=(
            (Role.TENANT_ADMIN, "ict.manager", "Sibusiso Ndlovu"),
            (Role.EDITOR, "strategy", "Nomvula Zulu"),
            (Role.CONTRIBUTOR, "kpi.capturer", "Thabo Dlamini"),
            (Role.VIEWER, "council", "Priya Naidoo"),
        ),
    ),
)
# SayPro staff: a consultant assigned to both municipalities (lead in one, support in the
# other: shows the tenant switcher and the portfolio), a platform admin and finance.
CONSULTANT = ("consultant@saypro.example.org", "Kagiso Molefe")
STAFF = (
    (StaffRole.PLATFORM_ADMIN, "admin@saypro.example.org", "Zanele Mahlangu"),
    (StaffRole.FINANCE, "finance@saypro.example.org", "Johan Botha"),
)


@dataclass(frozen=True)
class DemoLogin:
    municipality: str
    role: str
    email: str


def seed_demo(
    session: Session, progress: Callable[[str], None] = lambda _step: None
) -> list[DemoLogin]:
    """Create the demo data once; on later runs only list the logins.

    ``progress`` is called once per municipality seeded, with its name.
    """
    logins: list[DemoLogin] = []
    consultant_email, consultant_name = CONSULTANT
    existing = tenancy.get_tenant_by_slug(session, MUNICIPALITIES[0].slug)
    if existing is None:
        consultant = identity.create_user(
            session,
            email=consultant_email,
            full_name=consultant_name,
            password=DEMO_PASSWORD,
            email_verified=True,
        )
        consultant.staff_role = StaffRole.CONSULTANT
        for staff_role, email, full_name in STAFF:
            identity.create_user(
                session,
                email=email,
                full_name=full_name,
                password=DEMO_PASSWORD,
                email_verified=True,
            ).staff_role = staff_role
        for index, spec in enumerate(MUNICIPALITIES):
            bind_tenant_sync(session, None)
            tenant = tenancy.create_tenant(
                session,
                name=spec.name,
                slug=spec.slug,
                demarcation_code=spec.code,
                province=spec.province,
                category=spec.category,
                seed=False,
            )
            users: dict[str, object] = {}
            for role, local, full_name in spec.people:
                account: User = identity.create_user(
                    session,
                    email=f"{local}@{spec.domain}",
                    full_name=full_name,
                    password=DEMO_PASSWORD,
                    email_verified=True,
                )
                identity.add_membership(session, user=account, tenant_id=tenant.id, role=role)
                users[role.value] = account.id
            session.add(
                ConsultantAssignment(
                    user_id=consultant.id,
                    tenant_id=tenant.id,
                    role=ConsultantRole.LEAD if index == 0 else ConsultantRole.SUPPORT,
                    starts_on=today_sast() - timedelta(days=90),
                    ends_on=None,
                )
            )
            users["editor"] = users[Role.EDITOR.value]
            bind_tenant_sync(session, tenant.id)
            for module in load_modules():
                if module.seed_demo is not None:
                    module.seed_demo(session, users)
            progress(spec.name)
        bind_tenant_sync(session, None)
    for spec in MUNICIPALITIES:
        for role, local, _name in spec.people:
            logins.append(DemoLogin(spec.name, role.value, f"{local}@{spec.domain}"))
    logins.append(DemoLogin("SayPro", "consultant (lead/support)", consultant_email))
    for staff_role, email, _name in STAFF:
        logins.append(DemoLogin("SayPro", staff_role.value.replace("_", " "), email))
    return logins
