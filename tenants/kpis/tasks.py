"""Jobs of the KPI module: the daily reminders (coming due, overdue, escalations) and
the weekly digest, requested every day for every municipality by the scheduler. They
re-read everything and are safe to run twice (see notify.py)."""

from __future__ import annotations

from datetime import date

import structlog
from sqlalchemy.orm import Session

from saypro.platform.clock import today_sast
from saypro.platform.jobs.registry import job
from saypro.tenants.kpis import notify

log = structlog.get_logger(__name__)
REMINDERS_JOB = "kpis.send_reminders"
DIGEST_JOB = "kpis.send_digest"


def _day(on: str | None) -> date:
    """Today in South Africa; ``on`` (an ISO date) runs a missed day again."""
    return date.fromisoformat(on) if on else today_sast()


@job(REMINDERS_JOB, max_retries=3)
def send_reminders(session: Session, *, on: str | None = None) -> None:
    queued = notify.send_reminders(session, _day(on))
    if queued:
        log.info("kpis.reminders.queued", count=queued)


@job(DIGEST_JOB, max_retries=3)
def send_digest(session: Session, *, on: str | None = None) -> None:
    """Runs daily; sends only on the workspace's digest weekday."""
    queued = notify.send_digest(session, _day(on))
    if queued:
        log.info("kpis.digest.queued", count=queued)
