"""The one way a sign-in is completed, whatever proved who the user is (password, single
sign-on): the event goes on the record, the session id is replaced and the new session
names the user."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.service import Actor
from saypro.platform.identity.auth import new_session
from saypro.platform.identity.models import User
from saypro.platform.identity.service import record_account_event
from saypro.platform.identity.sessions import rotate_session
from saypro.platform.web.context import current_request


def safe_next(target: str) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def actor_for(request: Request[Any, Any, State], user_id: uuid.UUID | None, name: str) -> Actor:
    context = current_request()
    return Actor(
        user_id=user_id,
        name=name,
        request_id=context.request_id if context else None,
        ip_address=request.client.host if request.client else None,
    )


async def complete_sign_in(
    request: Request[Any, Any, State],
    db_session: AsyncSession,
    user: User,
    *,
    next_path: str,
    method: str = "password",
) -> Redirect:
    """Start the user's session and send them on to ``next_path`` (made safe here).
    ``method`` names how the user proved who they are; it goes on the audit record."""
    actor = actor_for(request, user.id, user.full_name)
    action = "identity.signed_in" if method == "password" else f"identity.signed_in.{method}"
    await record_account_event(db_session, user.id, action, actor)
    rotate_session(request)
    request.set_session(new_session(user.id))
    return Redirect(path=safe_next(next_path))
