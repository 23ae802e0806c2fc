"""The public performance dashboard, readable by anyone without signing in:

- ``/public/{municipality}/performance``: the page;
- ``/public/{municipality}/performance/embed``: the same in a minimal layout, framable
  by the websites the municipality lists (and by this platform);
- ``/api/v1/public/{municipality}/performance``: the same data as JSON, for the
  municipality's own website (any origin may read it: it is public and needs no
  credentials).

These routes resolve the municipality from the path (there is no session), bind it for
row-level security and read only its public indicators and approved results. An unknown
municipality, one whose dashboard is off, and one that is suspended or closed all answer
the same 404. No cookie is set: the CSRF middleware and the session skip these paths.
Answers may be cached for five minutes and carry an ETag; every request counts against
the client address's per-minute limit.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.identity import limits
from saypro.platform.identity.guards import public
from saypro.platform.settings import Settings
from saypro.platform.tenancy.models import Tenant, TenantStatus
from saypro.platform.web.app import SECURITY_HEADERS
from saypro.tenants.kpis import public_service
from saypro.tenants.kpis.models import PublicDashboard
from saypro.tenants.kpis.public_schemas import PublicDashboardRead

PAGE = "/public/{municipality:str}/performance"
EMBED = "/public/{municipality:str}/performance/embed"
JSON = "/api/v1/public/{municipality:str}/performance"
CACHE_CONTROL = "public, max-age=300"
# Public, and no CSRF cookie either (nothing here accepts a form).
OPEN = {**public()["opt"], "exclude_from_csrf": True}
AnyRequest = Request[Any, Any, State]
Session = NamedDependency[AsyncSession]


async def _spend(request: AnyRequest) -> None:
    settings: Settings = request.app.state.settings
    await limits.spend(
        request.app.state.redis,
        "public-dashboard",
        limits.client_address(request),
        limit=settings.public_requests_per_minute,
        window_seconds=60,
        message="Too many requests from this address; try again in a minute.",
    )


async def _published(db_session: AsyncSession, slug: str) -> tuple[Tenant, PublicDashboard]:
    """The active municipality with its dashboard on; binds the session to it. Every other
    case is the one uniform 404."""
    tenant = await db_session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or tenant.status is not TenantStatus.ACTIVE:
        raise NotFoundException()
    await bind_tenant(db_session, tenant.id)
    settings = await public_service.get_settings(db_session)
    if settings is None or not settings.enabled:
        raise NotFoundException()
    return tenant, settings


async def _view(
    request: AnyRequest, db_session: AsyncSession, slug: str
) -> tuple[PublicDashboardRead, PublicDashboard, str]:
    await _spend(request)
    tenant, settings = await _published(db_session, slug)
    view = await public_service.dashboard(db_session, tenant.name, settings, today_sast())
    return view, settings, hashlib.sha256(view.model_dump_json().encode()).hexdigest()[:32]


def _not_modified(request: AnyRequest, etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in wanted.split(","))


def _caching(etag: str) -> dict[str, str]:
    return {"Cache-Control": CACHE_CONTROL, "ETag": etag}


UNIT_LABELS = {"percentage": "%", "rand": "rand", "days": "days"}


def _plain(value: Decimal | None, places: int) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def chart_data(view: PublicDashboardRead) -> dict[str, Any]:
    """Each indicator's trend as rows for the ``chart()`` macro (values with the
    indicator's decimal places) and the unit its axis is labelled with."""
    charts = {
        i.code: [
            {
                "label": p.label,
                "target": _plain(p.target, i.decimal_places),
                "actual": _plain(p.actual, i.decimal_places),
            }
            for p in i.trend
        ]
        for i in view.indicators
    }
    units = {i.code: UNIT_LABELS.get(i.unit.value, "") for i in view.indicators}
    return {"charts": charts, "units": units}


def frame_policy(allowed_origins: list[str]) -> str:
    """The platform's content security policy, with ``frame-ancestors`` opened to this
    platform and the municipality's listed websites (validated origins)."""
    policy = next(h.value for h in SECURITY_HEADERS if h.name == "Content-Security-Policy")
    ancestors = " ".join(["'self'", *allowed_origins])
    return re.sub(r"frame-ancestors [^;]*", f"frame-ancestors {ancestors}", str(policy))


def without_frame_options(app: ASGIApp) -> ASGIApp:
    """Drops the platform-wide ``X-Frame-Options: SAMEORIGIN`` from the embed route's
    answers: it cannot list other sites, and browsers would refuse the frame. The route's
    ``frame-ancestors`` says who may frame it instead."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value)
                    for name, value in message["headers"]
                    if name.lower() != b"x-frame-options"
                ]
            await send(message)

        await app(scope, receive, sending)

    return middleware


async def _page(
    request: AnyRequest, db_session: AsyncSession, slug: str, *, embed: bool
) -> Response[Any]:
    view, settings, etag = await _view(request, db_session, slug)
    headers = _caching(f'"{etag}-{"e" if embed else "p"}"')
    if embed:
        headers["Content-Security-Policy"] = frame_policy(list(settings.allowed_origins))
    if _not_modified(request, headers["ETag"]):
        return Response(content=None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Template(
        "kpis/public/embed.html" if embed else "kpis/public/page.html",
        context={"view": view, "embed": embed, **chart_data(view)},
        headers=headers,
    )


@get(PAGE, name="kpis:public-page", include_in_schema=False, opt=OPEN)
async def public_page(
    request: AnyRequest, db_session: Session, municipality: FromPath[str]
) -> Response[Any]:
    return await _page(request, db_session, municipality, embed=False)


@get(
    EMBED,
    name="kpis:public-embed",
    include_in_schema=False,
    opt=OPEN,
    middleware=[without_frame_options],
)
async def public_embed(
    request: AnyRequest, db_session: Session, municipality: FromPath[str]
) -> Response[Any]:
    return await _page(request, db_session, municipality, embed=True)


@get(
    JSON,
    name="kpis:public-json",
    summary="A municipality's public performance dashboard",
    description=(
        "The public indicators of a municipality whose dashboard is on, with the status "
        "of their approved results at the latest quarter that has one (year to date) and "
        "their recent trend. Needs no sign-in; any website may read it. Unknown, "
        "unpublished, suspended and closed municipalities answer 404."
    ),
    tags=["Public"],
    # An empty requirement: no credentials needed (the API's default is a Bearer token).
    security=[{}],
    opt=OPEN,
    responses={
        200: ResponseSpec(data_container=PublicDashboardRead, description="The dashboard"),
        304: ResponseSpec(data_container=None, description="Unchanged since the ETag sent"),
    },
)
async def public_json(
    request: AnyRequest, db_session: Session, municipality: FromPath[str]
) -> Response[Any]:
    view, _settings, etag = await _view(request, db_session, municipality)
    headers = {**_caching(f'"{etag}-j"'), "Access-Control-Allow-Origin": "*"}
    if _not_modified(request, headers["ETag"]):
        return Response(content=None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=view, headers=headers)


HANDLERS = [public_page, public_embed, public_json]
