"""Password sign-in and sign-out pages, and the list of the user's municipalities."""

from __future__ import annotations

import re
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
from saypro.platform.identity.models import User
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import authenticate, find_user_id, record_account_event
from saypro.platform.identity.sign_in import actor_for, complete_sign_in, safe_next
from saypro.platform.identity.sso.required import RequiringMunicipality, password_sign_in_refusal
from saypro.platform.validation import Input

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class LoginForm(Input):
    # The form also carries the CSRF token, which the middleware has already checked.
    model_config = ConfigDict(extra="ignore")

    email: str = Field(default="", max_length=320)
    password: str = Field(default="", max_length=1024)
    next: str = Field(default="", max_length=2000)


async def _record_failed_sign_in(
    request: Request[Any, Any, State], email: str, action: str = "identity.sign_in_failed"
) -> None:
    """In a transaction of its own: the sign-in request itself is answered with an error
    and rolled back, but the failed attempt must stay on record."""
    database: Database = request.app.state.database
    async with database.async_sessions() as session, session.begin():
        user_id = await find_user_id(session, email)
        if user_id is not None:
            actor = actor_for(request, None, f"sign-in attempt as {email.strip().lower()}")
            await record_account_event(session, user_id, action, actor)


@get("/login", name="login", include_in_schema=False, **public())
async def login_page(
    next: FromQuery[str] = "/", municipality: FromQuery[str | None] = None
) -> Template | Redirect:
    if municipality and SLUG.fullmatch(municipality.strip().lower()):
        # "Sign in through your municipality": on to its own sign-in page.
        return Redirect(
            path=f"/login/{municipality.strip().lower()}", query_params={"next": safe_next(next)}
        )
    return Template("login.html", context={"next": safe_next(next), "error": None, "email": ""})


async def check_password_sign_in(
    request: Request[Any, Any, State], db_session: AsyncSession, email: str, password: str
) -> User | list[RequiringMunicipality] | None:
    """Every rule of a password sign-in, wherever a password proves who is asking: the
    account's throttle, municipalities that require single sign-on (the list), a wrong
    password (``None``, counted and recorded), or the user."""
    redis_client = request.app.state.redis
    await throttle.refuse_if_locked(redis_client, email)
    # A municipality that requires single sign-on: refused once the account is known and
    # BEFORE the password is checked, so the answer is the same whether the password was
    # right or not (checked after, this form would confirm passwords of accounts that must
    # not use them). The answer does tell that the address belongs to a member of such a
    # municipality; its sign-in page is public anyway and the rate limit bounds probing.
    # SayPro staff are not affected (see municipalities_requiring_sso).
    requiring = await password_sign_in_refusal(db_session, email)
    if requiring:
        await _record_failed_sign_in(request, email, "identity.password_sign_in_refused")
        return requiring
    user = await authenticate(db_session, email, password)
    if user is None:
        await throttle.note_failure(redis_client, email)
        await _record_failed_sign_in(request, email)
        return None
    await throttle.clear_failures(redis_client, email)
    return user


@post("/login", include_in_schema=False, **public())
async def login(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[LoginForm],
) -> Template | Redirect:
    checked = await check_password_sign_in(request, db_session, data.email, data.password)
    if isinstance(checked, list):
        names = ", ".join(m.name for m in checked)
        return Template(
            "login.html",
            context={
                "next": safe_next(data.next),
                "error": f"{names} requires signing in with the municipality's own account. "
                "Use its sign-in page:",
                "sso_pages": checked,
                "email": data.email,
            },
            status_code=403,
        )
    if checked is None:
        return Template(
            "login.html",
            context={
                "next": safe_next(data.next),
                "error": "Email or password is incorrect.",
                "email": data.email,
            },
            status_code=400,
        )
    user = checked
    return await complete_sign_in(request, db_session, user, next_path=data.next)


@post("/logout", name="logout", include_in_schema=False, **signed_in_before_second_factor())
async def logout(request: Request[Any, Any, State]) -> Redirect:
    request.clear_session()
    return Redirect(path="/login")


@get("/", name="home", include_in_schema=False, **signed_in())
async def home(request: Request[Principal, Any, State]) -> Template | Redirect:
    """The municipalities this user may enter; straight in when there is only one."""
    tenants = list(request.user.tenants.values())
    # SayPro staff land on their overview (portfolio, administration), not in a workspace.
    if len(tenants) == 1 and not request.user.is_staff:
        return Redirect(path=f"/t/{tenants[0].slug}/")
    return Template("home.html", context={"tenants": tenants})
