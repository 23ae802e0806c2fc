"""The one way a sign-in is completed, whatever proved who the user is (password, single
sign-on): the event goes on the record, the session id is replaced and the new session
names the user.

When the user has a second factor on, proving who they are is only the first step: the
session then holds a short-lived *pending* sign-in (no user, so nothing but the second
step is open) until ``/login/totp`` checks a code and calls :func:`start_session`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.service import Actor
from saypro.platform.identity.auth import new_session, now
from saypro.platform.identity.models import User
from saypro.platform.identity.service import record_account_event
from saypro.platform.identity.sessions import rotate_session
from saypro.platform.web.context import current_request

SECOND_FACTOR_PATH = "/login/totp"
PENDING_KEY = "second_factor_pending"
PENDING_SECONDS = 5 * 60


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


@dataclass(frozen=True)
class PendingSignIn:
    """First step passed, second step awaited."""

    user_id: uuid.UUID
    started_at: float
    next_path: str
    method: str


def pending_sign_in(request: Request[Any, Any, State]) -> PendingSignIn | None:
    """The pending sign-in in this browser's session, if any and not expired."""
    raw = request.session.get(PENDING_KEY) if request.session else None
    if not isinstance(raw, dict):
        return None
    try:
        pending = PendingSignIn(
            user_id=uuid.UUID(str(raw["user_id"])),
            started_at=float(raw["at"]),
            next_path=safe_next(str(raw["next"])),
            method=str(raw["method"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if now() - pending.started_at > PENDING_SECONDS:
        return None
    return pending


async def start_session(
    request: Request[Any, Any, State],
    db_session: AsyncSession,
    user_id: uuid.UUID,
    full_name: str,
    *,
    next_path: str,
    method: str,
    second_factor: str | None = None,
) -> Redirect:
    """Record the sign-in, replace the session id and name the user in the new session."""
    actor = actor_for(request, user_id, full_name)
    action = "identity.signed_in" if method == "password" else f"identity.signed_in.{method}"
    detail = {"second_factor": second_factor} if second_factor else None
    await record_account_event(db_session, user_id, action, actor, after=detail)
    rotate_session(request)
    request.set_session(new_session(user_id))
    return Redirect(path=safe_next(next_path))


async def complete_sign_in(
    request: Request[Any, Any, State],
    db_session: AsyncSession,
    user: User,
    *,
    next_path: str,
    method: str = "password",
) -> Redirect:
    """Start the user's session and send them on to ``next_path`` (made safe here), or,
    when the user has a second factor on, ask for it first. ``method`` names how the user
    proved who they are; it goes on the audit record."""
    if user.totp_enabled_at is not None:
        rotate_session(request)
        request.set_session(
            {
                PENDING_KEY: {
                    "user_id": str(user.id),
                    "at": now(),
                    "next": safe_next(next_path),
                    "method": method,
                }
            }
        )
        return Redirect(path=SECOND_FACTOR_PATH)
    return await start_session(
        request, db_session, user.id, user.full_name, next_path=next_path, method=method
    )
