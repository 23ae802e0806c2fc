"""Queueing email: render it, store it and request its delivery, all in the caller's
transaction, so a rolled-back request sends nothing and a committed one is never lost."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.email.models import OutgoingEmail
from saypro.platform.email.rendering import render
from saypro.platform.email.tasks import SEND_EMAIL
from saypro.platform.jobs.registry import enqueue, enqueue_sync


def _row(
    to: str, template: str, context: dict[str, Any], tenant_id: uuid.UUID | None
) -> OutgoingEmail:
    rendered = render(template, context)
    return OutgoingEmail(
        tenant_id=tenant_id,
        to_address=to,
        subject=rendered.subject,
        template=template,
        body_text=rendered.text,
        body_html=rendered.html,
    )


async def queue_email(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    tenant_id: uuid.UUID | None = None,
) -> OutgoingEmail:
    email = _row(to, template, context, tenant_id)
    session.add(email)
    await session.flush()
    await enqueue(session, SEND_EMAIL, email_id=str(email.id))
    return email


def queue_email_sync(
    session: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    tenant_id: uuid.UUID | None = None,
) -> OutgoingEmail:
    email = _row(to, template, context, tenant_id)
    session.add(email)
    session.flush()
    enqueue_sync(session, SEND_EMAIL, email_id=str(email.id))
    return email
