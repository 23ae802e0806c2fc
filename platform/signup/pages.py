"""The public sign-up pages: the form, the verification link (choose a password, then
straight into the workspace) and sending the link again."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.email.service import queue_email
from saypro.platform.errors import DomainError
from saypro.platform.identity import limits
from saypro.platform.identity.account_links import VERIFY_EMAIL_LIFETIME
from saypro.platform.identity.guards import public
from saypro.platform.identity.link_forms import ChoosePassword, ChoosePasswordPages, asked_email
from saypro.platform.identity.models import LinkPurpose
from saypro.platform.identity.sign_in import actor_for, complete_sign_in
from saypro.platform.settings import Settings
from saypro.platform.signup import service
from saypro.platform.signup.service import SignUpForm, SlugTaken
from saypro.platform.tenancy.models import MunicipalCategory, Province
from saypro.platform.web.forms import (
    UNPROCESSABLE,
    validate_form,
)
from saypro.platform.web.links import absolute_url

LIFETIME_HOURS = int(VERIFY_EMAIL_LIFETIME.total_seconds() // 3600)
# Per address and hour, on top of the per-client limit: links sent again to one account.
RESENDS_PER_ACCOUNT_PER_HOUR = 3
PROVINCE_NAMES = {
    Province.EASTERN_CAPE: "Eastern Cape",
    Province.FREE_STATE: "Free State",
    Province.GAUTENG: "Gauteng",
    Province.KWAZULU_NATAL: "KwaZulu-Natal",
    Province.LIMPOPO: "Limpopo",
    Province.MPUMALANGA: "Mpumalanga",
    Province.NORTHERN_CAPE: "Northern Cape",
    Province.NORTH_WEST: "North West",
    Province.WESTERN_CAPE: "Western Cape",
}
CATEGORY_NAMES = {
    MunicipalCategory.A: "A: metropolitan municipality",
    MunicipalCategory.B: "B: local municipality",
    MunicipalCategory.C: "C: district municipality",
}
CHOICES = {
    "province_options": [(p.value, PROVINCE_NAMES[p]) for p in Province],
    "category_options": [(c.value, CATEGORY_NAMES[c]) for c in MunicipalCategory],
}


def _form(values: dict[str, Any], errors: dict[str, str], status_code: int = 200) -> Template:
    return Template(
        "signup/form.html",
        context={"values": values, "errors": errors, **CHOICES},
        status_code=status_code,
    )


async def queue_verification_email(
    db_session: AsyncSession,
    request: Request[Any, Any, State],
    *,
    to: str,
    full_name: str,
    tenant_name: str,
    token: str,
    tenant_id: uuid.UUID | None = None,
) -> None:
    await queue_email(
        db_session,
        to=to,
        template="signup_verify",
        context={
            "full_name": full_name,
            "tenant_name": tenant_name,
            "verify_url": absolute_url(request, f"/signup/verify/{token}"),
            "lifetime_hours": LIFETIME_HOURS,
        },
        tenant_id=tenant_id,
    )


@get("/signup", name="signup", include_in_schema=False, **public())
async def signup_page() -> Template:
    return _form({}, {})


@post("/signup", include_in_schema=False, **public())
async def signup(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[dict[str, Any]],
) -> Template:
    settings: Settings = request.app.state.settings
    await limits.spend(
        request.app.state.redis,
        "signup",
        limits.client_address(request),
        limit=settings.signups_per_hour,
        message="Too many sign-ups from this address; try again later.",
    )
    values = {k: v for k, v in data.items() if k != "_csrf_token"}
    parsed, errors = validate_form(SignUpForm, data)
    if parsed is None:
        return _form(values, errors, UNPROCESSABLE)
    actor = actor_for(request, None, f"{parsed.full_name} <{parsed.email}> (sign-up)")
    try:
        async with db_session.begin_nested():
            signed_up = await service.sign_up(db_session, parsed, actor)
    except SlugTaken as exc:
        return _form({**values, "slug": exc.suggestion}, {"slug": exc.message}, UNPROCESSABLE)
    except DomainError as exc:
        return _form(values, {exc.field or "__all__": exc.message}, UNPROCESSABLE)
    except IntegrityError:
        # Two sign-ups of the same municipality at the same moment: one of them wins.
        return _form(
            values,
            {"demarcation_code": "was registered at the same moment by someone else"},
            UNPROCESSABLE,
        )
    await queue_verification_email(
        db_session,
        request,
        to=signed_up.email,
        full_name=signed_up.full_name,
        tenant_name=signed_up.tenant_name,
        token=signed_up.token,
        tenant_id=signed_up.tenant_id,
    )
    return Template(
        "signup/sent.html",
        context={"email": signed_up.email, "tenant_name": signed_up.tenant_name},
        status_code=201,
    )


PAGES = ChoosePasswordPages(
    LinkPurpose.VERIFY_EMAIL, "signup/verify.html", "signup/link_problem.html"
)


@get("/signup/verify/{token:str}", name="signup:verify", include_in_schema=False, **public())
async def verify_page(db_session: NamedDependency[AsyncSession], token: FromPath[str]) -> Template:
    return await PAGES.page(db_session, token)


@post("/signup/verify/{token:str}", include_in_schema=False, **public())
async def verify(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    token: FromPath[str],
    data: URLEncodedBody[dict[str, Any]],
) -> Template | Redirect:
    parsed, errors = validate_form(ChoosePassword, data)
    if parsed is None:
        return PAGES.choose(token, errors, UNPROCESSABLE)
    outcome = await service.verify(db_session, token, parsed.password)
    if isinstance(outcome, str):
        return PAGES.problem(outcome)
    user = outcome.user
    await service.record_verified(db_session, user.id, actor_for(request, user.id, user.full_name))
    landing = f"/t/{outcome.tenant_slug}/" if outcome.tenant_slug else "/"
    return await complete_sign_in(request, db_session, user, next_path=landing)


@get("/signup/resend", name="signup:resend", include_in_schema=False, **public())
async def resend_page() -> Template:
    return Template("signup/resend.html", context={"errors": {}, "email": ""})


@post("/signup/resend", include_in_schema=False, **public())
async def resend(
    request: Request[Any, Any, State],
    db_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[dict[str, Any]],
) -> Template:
    settings: Settings = request.app.state.settings
    email = asked_email(data)
    await limits.spend_per_client_and_account(
        request,
        "signup-resend",
        email,
        client_limit=settings.signups_per_hour,
        account_limit=RESENDS_PER_ACCOUNT_PER_HOUR,
        client_message="Too many requests from this address; try again later.",
        account_message="Too many links were sent to this address; try again later.",
    )
    resent = await service.resend_verification(db_session, email) if email else None
    if resent is not None:
        await queue_verification_email(
            db_session,
            request,
            to=resent.email,
            full_name=resent.full_name,
            tenant_name=resent.tenant_name,
            token=resent.token,
        )
    # The same answer whether or not a sign-up waits at that address.
    return Template("signup/resent.html", context={"email": email})
