"""Removing abandoned sign-ups on a schedule.

A sign-up whose verification links all expired unused already gives way to anyone who
registers the same code, address or email again. This job also removes the ones nobody
comes back for, a while after their last link expired (so their personal data is not
kept for nothing), through the same database function that re-checks each one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from saypro.platform.identity.models import AccountLink, LinkPurpose
from saypro.platform.jobs.registry import job

log = structlog.get_logger(__name__)
DISCARD_ABANDONED_JOB = "signup.discard_abandoned"
# After the last link expired: time for a late comer to ask for a new link.
ABANDONED_AFTER = timedelta(days=14)


@job(DISCARD_ABANDONED_JOB, tenant_scoped=False)
def discard_abandoned_sign_ups(session: Session) -> None:
    """Idempotent: a sign-up already gone, verified or with a live link is left alone."""
    cutoff = datetime.now(UTC) - ABANDONED_AFTER
    candidates = session.scalars(
        select(AccountLink.tenant_id)
        .where(
            AccountLink.purpose == LinkPurpose.VERIFY_EMAIL,
            AccountLink.tenant_id.is_not(None),
        )
        .group_by(AccountLink.tenant_id)
        .having(
            func.max(AccountLink.expires_at) < cutoff,
            func.count(AccountLink.used_at) == 0,
        )
    ).all()
    discarded = 0
    for tenant_id in candidates:
        if session.scalar(text("SELECT discard_abandoned_sign_up(:tenant)"), {"tenant": tenant_id}):
            discarded += 1
    log.info("signup.abandoned_discarded", count=discarded)
