"""Telling an account's owner by email that its password was changed or reset, with when
(South African time), from which client address and the link to reset it if it was not
them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import SAST
from saypro.platform.email.service import queue_email
from saypro.platform.identity import limits
from saypro.platform.web.links import absolute_url


async def queue_password_notice(
    db_session: AsyncSession,
    request: Request[Any, Any, Any],
    *,
    template: str,
    full_name: str,
    email: str,
    moment: float,
) -> None:
    """Queue ``template`` (a change or a reset notice) to ``email`` for the password set at
    ``moment`` by this request."""
    await queue_email(
        db_session,
        to=email,
        template=template,
        context={
            "full_name": full_name,
            "email": email,
            "changed_at": datetime.fromtimestamp(moment, SAST).strftime("%d %B %Y at %H:%M"),
            "ip_address": limits.client_address(request),
            "reset_url": absolute_url(request, "/password-reset"),
        },
    )
