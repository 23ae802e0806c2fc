"""Pages of the second factor: the second step of signing in (``/login/totp``) and the
account's own set-up (``/account/security``: enrol, new recovery codes, switch off)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.crypto import SecretBox
from saypro.platform.db.engine import Database
from saypro.platform.identity import second_factor_throttle as throttle
from saypro.platform.identity import two_factor
from saypro.platform.identity.guards import ENROLMENT_PATH, public, signed_in_before_second_factor
from saypro.platform.identity.limits import client_address
from saypro.platform.identity.models import User
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import record_account_event
from saypro.platform.identity.sign_in import (
    SECOND_FACTOR_PATH,
    actor_for,
    pending_sign_in,
    start_session,
)
from saypro.platform.settings import Settings
from saypro.platform.validation import Input
from saypro.platform.web.forms import attempt, validate_form

ENROLMENT = signed_in_before_second_factor()
Session = NamedDependency[AsyncSession]
Form = URLEncodedBody[dict[str, Any]]
AnyRequest = Request[Any, Any, State]


class CodeForm(Input):
    # The form also carries the CSRF token, which the middleware has already checked.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: Annotated[str, Field(min_length=1, max_length=64)]


def _box(request: AnyRequest) -> SecretBox:
    settings: Settings = request.app.state.settings
    return two_factor.seed_box(settings.require_secret_key())


# --- the second step of signing in ------------------------------------------------------------


def _second_step(error: str | None = None, status_code: int = 200) -> Template:
    return Template("login_totp.html", context={"error": error}, status_code=status_code)


async def _record_failed_code(request: AnyRequest, user_id: uuid.UUID, email: str) -> None:
    """In a transaction of its own, like a failed password: the request is answered with
    an error and rolled back, but the failed attempt stays on record."""
    database: Database = request.app.state.database
    async with database.async_sessions() as session, session.begin():
        actor = actor_for(request, None, f"sign-in attempt as {email}")
        await record_account_event(
            session, user_id, "identity.sign_in_failed", actor, after={"step": "second_factor"}
        )


@get(SECOND_FACTOR_PATH, name="login:totp", include_in_schema=False, **public())
async def second_step_page(request: AnyRequest) -> Template | Redirect:
    if pending_sign_in(request) is None:
        return Redirect(path="/login")
    return _second_step()


@post(SECOND_FACTOR_PATH, include_in_schema=False, **public())
async def second_step(request: AnyRequest, db_session: Session, data: Form) -> Template | Redirect:
    pending = pending_sign_in(request)
    if pending is None:
        # Expired (or never started): the first step must be done again.
        request.clear_session()
        return Redirect(path="/login")
    redis_client = request.app.state.redis
    address = client_address(request)
    await throttle.refuse_if_locked(redis_client, pending.user_id, address)
    parsed, errors = validate_form(CodeForm, data)
    if parsed is None:
        return _second_step(f"code: {errors.get('code')}", status_code=422)
    user = await db_session.get(User, pending.user_id)
    if user is None or not user.is_active:
        request.clear_session()
        return Redirect(path="/login")
    used = await two_factor.verify(db_session, user.id, _box(request), parsed.code)
    if used is None:
        await throttle.note_failure(redis_client, user.id, address)
        await _record_failed_code(request, user.id, user.email)
        return _second_step(
            "That code is not right, or was already used. Enter the current code from your "
            "authenticator app, or one of your unused recovery codes.",
            status_code=400,
        )
    await throttle.clear_failures(redis_client, user.id)
    return await start_session(
        request,
        db_session,
        user.id,
        user.full_name,
        next_path=pending.next_path,
        method=pending.method,
        second_factor=used.value,
    )


# --- the account's own set-up ------------------------------------------------------------------


async def _security_page(
    request: Request[Principal, Any, State],
    db_session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    recovery_codes: list[str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Template:
    principal = request.user
    user = await db_session.get(User, principal.user_id)
    enabled = user is not None and user.totp_enabled_at is not None
    return Template(
        "account/security.html",
        context={
            "enabled": enabled,
            "enabled_at": user.totp_enabled_at if user else None,
            "required": await two_factor.required_for(
                db_session, principal.user_id, staff=principal.is_staff
            ),
            "enrolment": None
            if enabled
            else await two_factor.pending_enrolment(db_session, principal.user_id, _box(request)),
            "unused_codes": await two_factor.unused_recovery_codes(db_session, principal.user_id)
            if enabled
            else 0,
            "recovery_codes": recovery_codes,
            "errors": errors or {},
            "message": message,
        },
        status_code=status_code,
    )


async def _checked_code(
    request: Request[Principal, Any, State], data: dict[str, Any]
) -> tuple[str | None, dict[str, str]]:
    """The submitted code, once the throttle allows another try."""
    await throttle.refuse_if_locked(
        request.app.state.redis, request.user.user_id, client_address(request)
    )
    parsed, errors = validate_form(CodeForm, data)
    return (parsed.code if parsed else None), errors


async def _refused(
    request: Request[Principal, Any, State], db_session: AsyncSession, errors: dict[str, str]
) -> Template:
    """A wrong code counts towards the throttle; anything else refused is just shown."""
    if errors.get("code") == two_factor.WRONG_CODE:
        await throttle.note_failure(
            request.app.state.redis, request.user.user_id, client_address(request)
        )
        return await _security_page(request, db_session, errors=errors, status_code=400)
    return await _security_page(request, db_session, errors=errors, status_code=409)


async def _record(
    request: Request[Principal, Any, State], db_session: AsyncSession, action: str
) -> None:
    user = request.user
    await record_account_event(
        db_session, user.user_id, action, actor_for(request, user.user_id, user.full_name)
    )


@get(ENROLMENT_PATH, name="account:security", include_in_schema=False, **ENROLMENT)
async def security_page(request: Request[Principal, Any, State], db_session: Session) -> Template:
    return await _security_page(request, db_session)


@post(f"{ENROLMENT_PATH}/totp/setup", include_in_schema=False, **ENROLMENT)
async def begin_enrolment(
    request: Request[Principal, Any, State], db_session: Session
) -> Template | Redirect:
    _, refused = await attempt(
        db_session,
        lambda: two_factor.begin_enrolment(db_session, request.user.user_id, _box(request)),
    )
    if refused:
        return await _security_page(request, db_session, errors=refused, status_code=409)
    return Redirect(path=ENROLMENT_PATH)


# Switching the second factor on and replacing the recovery codes both take a current code
# and answer with a fresh set of recovery codes, shown once.
IssueCodes = Callable[[AsyncSession, uuid.UUID, SecretBox, str], Awaitable[list[str]]]


async def _issue_recovery_codes(
    request: Request[Principal, Any, State],
    db_session: AsyncSession,
    data: dict[str, Any],
    issue: IssueCodes,
    *,
    action: str,
    message: str,
) -> Template:
    code, errors = await _checked_code(request, data)
    if code is None:
        return await _security_page(request, db_session, errors=errors, status_code=422)
    codes, refused = await attempt(
        db_session, lambda: issue(db_session, request.user.user_id, _box(request), code)
    )
    if codes is None:
        return await _refused(request, db_session, refused)
    await _record(request, db_session, action)
    return await _security_page(request, db_session, recovery_codes=codes, message=message)


@post(f"{ENROLMENT_PATH}/totp/confirm", include_in_schema=False, **ENROLMENT)
async def confirm_enrolment(
    request: Request[Principal, Any, State], db_session: Session, data: Form
) -> Template:
    return await _issue_recovery_codes(
        request,
        db_session,
        data,
        two_factor.confirm_enrolment,
        action="identity.two_factor_enabled",
        message="Two-factor sign-in is on.",
    )


@post(f"{ENROLMENT_PATH}/recovery-codes", include_in_schema=False, **ENROLMENT)
async def regenerate_recovery_codes(
    request: Request[Principal, Any, State], db_session: Session, data: Form
) -> Template:
    return await _issue_recovery_codes(
        request,
        db_session,
        data,
        two_factor.regenerate_recovery_codes,
        action="identity.recovery_codes_replaced",
        message="New recovery codes: the old ones no longer work.",
    )


@post(f"{ENROLMENT_PATH}/totp/disable", include_in_schema=False, **ENROLMENT)
async def disable(
    request: Request[Principal, Any, State], db_session: Session, data: Form
) -> Template | Redirect:
    code, errors = await _checked_code(request, data)
    if code is None:
        return await _security_page(request, db_session, errors=errors, status_code=422)
    principal = request.user
    required = await two_factor.required_for(
        db_session, principal.user_id, staff=principal.is_staff
    )
    _, refused = await attempt(
        db_session,
        lambda: two_factor.disable(
            db_session, principal.user_id, _box(request), code, required=required
        ),
    )
    if refused:
        return await _refused(request, db_session, refused)
    await _record(request, db_session, "identity.two_factor_disabled")
    return await _security_page(request, db_session, message="Two-factor sign-in is off.")


handlers = [
    second_step_page,
    second_step,
    security_page,
    begin_enrolment,
    confirm_enrolment,
    regenerate_recovery_codes,
    disable,
]
