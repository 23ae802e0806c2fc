"""Password sign-in and sign-out pages, and the list of the user's municipalities."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.engine import Database
from saypro.platform.identity import throttle
from saypro.platform.identity.guards import public, signed_in, signed_in_before_second_factor
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import authenticate, find_user_id, record_account_event
from saypro.platform.identity.sign_in import actor_for, complete_sign_in, safe_next
from saypro.platform.validation import Input


class LoginForm(Input):
    # The form also carries the CSRF token, which the middleware has already checked.
    model_config = ConfigDict(extra="ignore")

    email: str = Field(default="", max_length=320)
    password: str = Field(default="", max_length=1024)
    next: str = Field(default="", max_length=2000)


async def _record_failed_sign_in(request: Request[Any, Any, State], email: str) -> None:
    """In a transaction of its own: the sign-in request itself is answered with an error
    and rolled back, but the failed attempt must stay on record."""
    database: Database = request.app.state.database
    async with database.async_sessions() as session, session.begin():
        user_id = await find_user_id(session, email)
        if user_id is not None:
            actor = actor_for(request, None, f"sign-in attempt as {email.strip().lower()}")
            await record_account_event(session, user_id, "identity.sign_in_failed", actor)


@get("/login", name="login", include_in_schema=False, **public())
async def login_page(next: FromQuery[str] = "/") -> Template:
    return Template("login.html", context={"next": safe_next(next), "error": None, "email": ""})


@post("/login", include_in_schema=False, **public())
async def login(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[LoginForm],
) -> Template | Redirect:
    redis_client = request.app.state.redis
    await throttle.refuse_if_locked(redis_client, data.email)
    user = await authenticate(db_session, data.email, data.password)
    if user is None:
        await throttle.note_failure(redis_client, data.email)
        await _record_failed_sign_in(request, data.email)
        return Template(
            "login.html",
            context={
                "next": safe_next(data.next),
                "error": "Email or password is incorrect.",
                "email": data.email,
            },
            status_code=400,
        )
    await throttle.clear_failures(redis_client, data.email)
    return await complete_sign_in(request, db_session, user, next_path=data.next)


@post("/logout", name="logout", include_in_schema=False, **signed_in_before_second_factor())
async def logout(request: Request[Any, Any, State]) -> Redirect:
    request.clear_session()
    return Redirect(path="/login")


@get("/", name="home", include_in_schema=False, **signed_in())
async def home(request: Request[Principal, Any, State]) -> Template | Redirect:
    """The municipalities this user may enter; straight in when there is only one."""
    tenants = list(request.user.tenants.values())
    if len(tenants) == 1:
        return Redirect(path=f"/t/{tenants[0].slug}/")
    return Template("home.html", context={"tenants": tenants})
