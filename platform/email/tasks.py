"""The job that delivers one queued email."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from saypro.platform.email.models import OutgoingEmail
from saypro.platform.email.transport import deliver
from saypro.platform.jobs.context import job_settings
from saypro.platform.jobs.registry import job

SEND_EMAIL = "email.send"


def build_message(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    # Stable across retries, so a receiving server can drop a duplicate delivery.
    message["Message-ID"] = f"<{email.id}@saypro.online>"
    message.set_content(email.body_text or "")
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


@job(SEND_EMAIL, tenant_scoped=False, queue="email")
def send_email(session: Session, email_id: str) -> None:
    """Deliver the message once. A redelivered job finds it sent and does nothing; two
    workers never send it together (the row is locked while it is handed over)."""
    email = session.scalar(
        select(OutgoingEmail)
        .where(OutgoingEmail.id == uuid.UUID(email_id))
        .with_for_update(skip_locked=True)
    )
    if email is None or email.sent_at is not None:
        return
    settings = job_settings()
    deliver(build_message(email, settings.mail_from), settings)
    email.sent_at = datetime.now(UTC)
    email.attempts += 1
    # The body may carry a single-use link: once delivered, nobody needs it here.
    email.body_text = None
    email.body_html = None
