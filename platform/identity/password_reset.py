"""Resetting a forgotten password with an emailed single-use link.

Asking for a link always gets the same answer, whether or not an account has that
address, and both requests per client address and per address asked for are limited.
Setting the new password uses the link, ends every session of the account, goes on the
trail of each of the user's municipalities and tells the owner by email.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.email.service import queue_email
from saypro.platform.identity import auth, limits, throttle
from saypro.platform.identity.account_links import (
    RESET_PASSWORD_LIFETIME,
    issue_link,
    use_link,
)
from saypro.platform.identity.guards import public
from saypro.platform.identity.link_forms import ChoosePassword, ChoosePasswordPages, asked_email
from saypro.platform.identity.models import LinkPurpose, User
from saypro.platform.identity.password_notice import queue_password_notice
from saypro.platform.identity.passwords import hash_password
from saypro.platform.identity.service import normalise_email, record_account_event
from saypro.platform.identity.sign_in import actor_for
from saypro.platform.settings import Settings
from saypro.platform.signup.pages import queue_verification_email
from saypro.platform.signup.service import resend_verification
from saypro.platform.web.forms import validate_form
from saypro.platform.web.links import absolute_url

# Per address asked for and hour, whatever client asks (an account that exists or not).
RESETS_PER_ACCOUNT_PER_HOUR = 3
LIFETIME_MINUTES = int(RESET_PASSWORD_LIFETIME.total_seconds() // 60)


async def reset_password(
    session: AsyncSession, token: str, new_password: str, moment: float
) -> User | str:
    """Use the link to set ``new_password`` and end every session signed in before
    ``moment``. Returns the user, or why the link cannot be used."""
    state = await use_link(session, token, LinkPurpose.RESET_PASSWORD)
    if state.problem is not None or state.link is None:
        return state.problem or "unknown"
    user = await session.get(User, state.link.user_id)
    if user is None or not user.is_active:
        return "unknown"
    user.password_hash = await anyio.to_thread.run_sync(hash_password, new_password)
    user.sessions_valid_after = datetime.fromtimestamp(moment, tz=UTC)
    await session.flush()
    return user


def _request_form(email: str = "", errors: dict[str, str] | None = None) -> Template:
    return Template("password_reset/request.html", context={"email": email, "errors": errors or {}})


@get("/password-reset", name="password-reset", include_in_schema=False, **public())
async def request_page() -> Template:
    return _request_form()


@post("/password-reset", include_in_schema=False, **public())
async def request_link(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[dict[str, Any]],
) -> Template:
    settings: Settings = request.app.state.settings
    email = asked_email(data)
    await limits.spend_per_client_and_account(
        request,
        "password-reset",
        email,
        client_limit=settings.password_resets_per_hour,
        account_limit=RESETS_PER_ACCOUNT_PER_HOUR,
        client_message="Too many password-reset requests from this address; try again later.",
        account_message="Too many password-reset requests for this account; try again later.",
    )
    try:
        address = normalise_email(email)
    except ValueError:
        return _request_form(email, {"email": "must be an address like name@example.gov.za"})
    user = await db_session.scalar(select(User).where(func.lower(User.email) == address))
    if user is not None and user.is_active and user.email_verified_at is not None:
        token = await issue_link(db_session, user_id=user.id, purpose=LinkPurpose.RESET_PASSWORD)
        await queue_email(
            db_session,
            to=user.email,
            template="password_reset",
            context={
                "full_name": user.full_name,
                "email": user.email,
                "ip_address": limits.client_address(request),
                "reset_url": absolute_url(request, f"/password-reset/{token}"),
                "lifetime_minutes": LIFETIME_MINUTES,
            },
        )
    elif user is not None and user.is_active:
        # A sign-up never verified has no password to reset: its link is sent again.
        resent = await resend_verification(db_session, address)
        if resent is not None:
            await queue_verification_email(
                db_session,
                request,
                to=resent.email,
                full_name=resent.full_name,
                tenant_name=resent.tenant_name,
                token=resent.token,
            )
    # The same page whether or not the account exists: nothing here tells them apart.
    return Template("password_reset/sent.html", context={"email": address})


PAGES = ChoosePasswordPages(
    LinkPurpose.RESET_PASSWORD, "password_reset/choose.html", "password_reset/link_problem.html"
)


@get("/password-reset/done", name="password-reset:done", include_in_schema=False, **public())
async def done_page() -> Template:
    return Template("password_reset/done.html")


@get("/password-reset/{token:str}", include_in_schema=False, **public())
async def choose_page(db_session: NamedDependency[AsyncSession], token: FromPath[str]) -> Template:
    return await PAGES.page(db_session, token)


@post("/password-reset/{token:str}", include_in_schema=False, **public())
async def set_password(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    token: FromPath[str],
    data: URLEncodedBody[dict[str, Any]],
) -> Template | Redirect:
    parsed, errors = validate_form(ChoosePassword, data)
    if parsed is None:
        return PAGES.choose(token, errors, 422)
    moment = auth.now()
    outcome = await reset_password(db_session, token, parsed.password, moment)
    if isinstance(outcome, str):
        return PAGES.problem(outcome)
    user = outcome
    await record_account_event(
        db_session,
        user.id,
        "identity.password_reset",
        actor_for(request, user.id, user.full_name),
    )
    await queue_password_notice(
        db_session,
        request,
        template="password_reset_done",
        full_name=user.full_name,
        email=user.email,
        moment=moment,
    )
    # Whoever was locked out by wrong guesses may now sign in with the new password.
    await throttle.clear_failures(request.app.state.redis, user.email)
    return Redirect(path="/password-reset/done")
