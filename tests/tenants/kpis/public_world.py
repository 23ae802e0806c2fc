"""A municipality with a published dashboard and, around its one public indicator,
everything that must never reach the public, each marked by a distinctive string: a
non-public indicator, draft, submitted and returned actuals, a reviewer's comment, a
deviation reason, an evidence file and the owner's name and email."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.tenants.kpis.models import (
    ANNUAL,
    ActualState,
    ActualValue,
    Evidence,
    Indicator,
    PublicDashboard,
    Target,
)
from saypro.tenants.kpis.periods import FinancialYear, Frequency
from tests.factories import TenantRef, UserRef, make_user

OWNER_NAME = "Quetzalcoatl Owner-Person"
# Strings that appear in the workspace and must appear nowhere on the public side.
SECRETS = (
    "SECRETKPI9",
    "Zanzibar hidden indicator",
    "7777",  # a draft value of the public indicator
    "6666",  # a submitted value
    "5555",  # a returned value
    "DRAFTNOTE-xyzzy",
    "REVIEWERCOMMENT-plugh",
    "DEVIATION-frobozz",
    "CORRECTIVE-grue",
    "evidence-zork.pdf",
    "DATASOURCE-internal-sap",
    OWNER_NAME,
)
ORIGIN = "http://127.0.0.1"  # replaced by the browser test with its own framing origin


@dataclass(frozen=True)
class PublicWorld:
    tenant: TenantRef
    owner: UserRef
    public_id: uuid.UUID
    hidden_id: uuid.UUID
    year: FinancialYear


def _indicator(code: str, name: str, year: int, owner: UserRef, *, public: bool) -> Indicator:
    return Indicator(
        code=code,
        name=name,
        definition=f"How {name.lower()} is measured",
        frequency=Frequency.QUARTERLY,
        data_source="DATASOURCE-internal-sap",
        owner_id=owner.id,
        reviewer_id=owner.id,
        public=public,
    )


# The targets are the adopted SDBIP's: approved (the public sees only approved targets).
APPROVED_AT = datetime(2025, 6, 30, 12, tzinfo=UTC)


def _targets(indicator_id: uuid.UUID, year: int) -> list[Target]:
    return [
        Target(
            indicator_id=indicator_id,
            financial_year=year,
            period=period,
            value=Decimal(400 if period == ANNUAL else 100),
            approved_at=APPROVED_AT,
        )
        for period in (ANNUAL, 1, 2, 3, 4)
    ]


def _actual(
    indicator_id: uuid.UUID, year: int, period: int, value: int, state: ActualState, **text: str
) -> ActualValue:
    return ActualValue(
        indicator_id=indicator_id,
        financial_year=year,
        period=period,
        value=Decimal(value),
        state=state,
        **text,
    )


def make_public_world(
    database: Database,
    tenant: TenantRef,
    *,
    enabled: bool = True,
    origins: tuple[str, ...] = ("https://www.alpha.gov.za",),
) -> PublicWorld:
    """This financial year: the public indicator PUB1 has Q1 approved (90 of 100) and a
    draft in Q2; last year Q1–Q3 approved, Q4 returned. The hidden indicator has approved
    results of its own. The dashboard is on (unless ``enabled`` is false)."""
    owner = make_user(database, (tenant, Role.CONTRIBUTOR), name=OWNER_NAME)
    year = FinancialYear.containing(today_sast())
    this, last = year.start_year, year.start_year - 1
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        shown = _indicator("PUB1", "Helpdesk tickets resolved", this, owner, public=True)
        hidden = _indicator("SECRETKPI9", "Zanzibar hidden indicator", this, owner, public=False)
        session.add_all([shown, hidden])
        session.flush()
        for indicator in (shown, hidden):
            session.add_all(_targets(indicator.id, this) + _targets(indicator.id, last))
        approved = _actual(
            shown.id,
            this,
            1,
            90,
            ActualState.APPROVED,
            note="approved note",
            deviation_reason="DEVIATION-frobozz",
            corrective_measure="CORRECTIVE-grue",
        )
        session.add_all(
            [
                approved,
                _actual(shown.id, this, 2, 7777, ActualState.DRAFT, note="DRAFTNOTE-xyzzy"),
                _actual(shown.id, last, 1, 100, ActualState.APPROVED),
                _actual(shown.id, last, 2, 120, ActualState.APPROVED),
                _actual(shown.id, last, 3, 6666, ActualState.SUBMITTED),
                _actual(
                    shown.id,
                    last,
                    4,
                    5555,
                    ActualState.RETURNED,
                    reviewer_comment="REVIEWERCOMMENT-plugh",
                ),
                _actual(hidden.id, this, 1, 4242, ActualState.APPROVED),
            ]
        )
        session.flush()
        session.add(
            Evidence(
                actual_id=approved.id,
                file_name="evidence-zork.pdf",
                content_type="application/pdf",
                size_bytes=10,
                sha256="1" * 64,
                stored_path="kpi-evidence/none",
            )
        )
        session.add(
            PublicDashboard(
                enabled=enabled,
                title="How Alpha is doing",
                introduction="Our service delivery, quarter by quarter.",
                allowed_origins=list(origins),
            )
        )
        session.flush()
        return PublicWorld(tenant, owner, shown.id, hidden.id, year)
