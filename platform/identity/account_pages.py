"""The signed-in user's own account: changing the password ends every other session."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity import auth, throttle
from saypro.platform.identity.guards import signed_in
from saypro.platform.identity.password_notice import queue_password_notice
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import change_password, record_account_event
from saypro.platform.identity.sessions import rotate_session
from saypro.platform.identity.sign_in import actor_for
from saypro.platform.validation import Input
from saypro.platform.web.forms import validate_form

MIN_PASSWORD_LENGTH = 12
Password = Annotated[str, Field(max_length=1024)]


class PasswordChange(Input):
    current_password: Password
    new_password: Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)]
    confirm_password: Password

    @field_validator("confirm_password")
    @classmethod
    def _matches(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("new_password") not in (None, value):
            raise ValueError("does not match the new password")
        return value


def _form(errors: dict[str, str], status_code: int = 200, done: bool = False) -> Template:
    return Template(
        "account/password.html", context={"errors": errors, "done": done}, status_code=status_code
    )


@get("/account/password", name="account:password", include_in_schema=False, **signed_in())
async def password_page(done: FromQuery[bool] = False) -> Template:
    return _form({}, done=done)


@post("/account/password", include_in_schema=False, **signed_in())
async def password_change(
    request: Request[Principal, Any, State],
    db_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[dict[str, Any]],
) -> Template | Redirect:
    parsed, errors = validate_form(PasswordChange, data)
    if parsed is None:
        return _form(errors, status_code=422)
    user = request.user
    redis_client = request.app.state.redis
    await throttle.refuse_if_locked(redis_client, user.email)
    moment = auth.now()
    if not await change_password(
        db_session, user.user_id, parsed.current_password, parsed.new_password, moment
    ):
        await throttle.note_failure(redis_client, user.email)
        return _form({"current_password": "is not your current password"}, status_code=400)
    await record_account_event(
        db_session,
        user.user_id,
        "identity.password_changed",
        actor_for(request, user.user_id, user.full_name),
    )
    await queue_password_notice(
        db_session,
        request,
        template="password_changed",
        full_name=user.full_name,
        email=user.email,
        moment=moment,
    )
    # Every other session ends; this browser continues with a new session id.
    rotate_session(request)
    request.set_session(auth.new_session(user.user_id, at=moment))
    return Redirect(path="/account/password", query_params={"done": "true"})
