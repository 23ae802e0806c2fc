"""The municipality's own sign-in page and the single sign-on flow, all public.

They live under ``/login/{municipality}``, not under ``/t/{tenant_slug}``: the tenant
router admits members only, and these pages are for people who are not signed in yet.
A municipality that does not exist and one without an enabled provider both answer the
uniform 404.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from litestar import Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.audit.service import set_actor
from saypro.platform.crypto import SecretUnreadable
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.identity.guards import public
from saypro.platform.identity.sign_in import actor_for, complete_sign_in, safe_next
from saypro.platform.identity.sso import flow
from saypro.platform.identity.sso.configuration import get_provider, secret_box
from saypro.platform.identity.sso.discovery import DiscoveryError, fetch_jwks, fetch_metadata
from saypro.platform.identity.sso.id_token import IdTokenRejected, verify_id_token
from saypro.platform.identity.sso.models import SsoProvider
from saypro.platform.identity.sso.provisioning import SignInRefused, resolve_user
from saypro.platform.tenancy.models import Tenant

log = structlog.get_logger(__name__)
Session = NamedDependency[AsyncSession]
AnyRequest = Request[Any, Any, State]
START_AGAIN = "Start again from your municipality's sign-in page."


async def _municipality(db_session: AsyncSession, slug: str) -> tuple[Tenant, SsoProvider]:
    """The municipality and its enabled provider; binds the session to the municipality."""
    tenant = await db_session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFoundException()
    await bind_tenant(db_session, tenant.id)
    provider = await get_provider(db_session)
    if provider is None or not provider.enabled:
        raise NotFoundException()
    return tenant, provider


def _page(
    tenant: Tenant,
    provider: SsoProvider,
    *,
    next_path: str,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "sso/login.html",
        context={
            "municipality": tenant,
            "sso_required": provider.sso_required,
            "next": next_path,
            "error": error,
        },
        status_code=status_code,
    )


def _client_secret(request: AnyRequest, provider: SsoProvider) -> str:
    return secret_box(request.app.state.settings.require_secret_key()).decrypt(
        provider.client_secret_encrypted
    )


async def _record_failure(
    request: AnyRequest,
    tenant_id: uuid.UUID,
    reason: str,
    details: dict[str, Any],
) -> None:
    """In a transaction of its own: the callback is answered with an error and its own
    transaction rolled back, but the refused sign-in must stay on the municipality's trail."""
    database: Database = request.app.state.database
    async with database.async_sessions() as session, session.begin():
        await bind_tenant(session, tenant_id)
        email = details.get("email")
        name = f"single sign-on attempt as {email}" if email else "single sign-on attempt"
        set_actor(session, actor_for(request, None, name))
        audit.record(
            session,
            "sso.sign_in_refused",
            entity_type="sso_provider",
            entity_id=None,
            after={"reason": reason, **details},
        )


@get("/login/{municipality:str}", name="sso:login", include_in_schema=False, **public())
async def municipality_login(
    db_session: Session, municipality: FromPath[str], next: FromQuery[str] = "/"
) -> Template:
    tenant, provider = await _municipality(db_session, municipality)
    return _page(tenant, provider, next_path=safe_next(next))


@get("/login/{municipality:str}/sso", name="sso:start", include_in_schema=False, **public())
async def start_sso(
    request: AnyRequest,
    db_session: Session,
    municipality: FromPath[str],
    next: FromQuery[str] = "/",
) -> Template | Redirect:
    tenant, provider = await _municipality(db_session, municipality)
    try:
        client_secret = _client_secret(request, provider)
    except SecretUnreadable:
        # SECRET_KEY changed since the settings were saved: an admin must re-enter the secret.
        log.error("sso.client_secret_unreadable", tenant=tenant.slug)
        return _page(
            tenant,
            provider,
            next_path=safe_next(next),
            error=f"Single sign-on for {tenant.name} needs its settings re-entered by an "
            "administrator.",
            status_code=503,
        )
    try:
        metadata = await fetch_metadata(provider.issuer)
    except DiscoveryError as error:
        log.warning("sso.discovery_failed", tenant=tenant.slug, error=str(error))
        return _page(
            tenant,
            provider,
            next_path=safe_next(next),
            error=f"{tenant.name}'s identity provider cannot be reached right now. "
            "Try again in a moment.",
            status_code=502,
        )
    url = await flow.start(
        request,
        tenant_id=tenant.id,
        client_id=provider.client_id,
        client_secret=client_secret,
        metadata=metadata,
        redirect_uri=flow.callback_url(request, tenant.slug),
        next_path=safe_next(next),
    )
    return Redirect(path=url)


@get(
    "/login/{municipality:str}/sso/callback",
    name="sso:callback",
    include_in_schema=False,
    **public(),
)
async def finish_sso(
    request: AnyRequest,
    db_session: Session,
    municipality: FromPath[str],
    code: FromQuery[str | None] = None,
    error: FromQuery[str | None] = None,
    iss: FromQuery[str | None] = None,
) -> Template | Redirect:
    tenant, provider = await _municipality(db_session, municipality)
    pending = flow.take(request)  # single use, whatever happens below
    # ("state" is a name Litestar reserves for handler parameters, so it is read here.)
    state = request.query_params.get("state")
    try:
        started = flow.check_callback(
            pending,
            tenant_id=tenant.id,
            state=state or "",
            issuer_param=iss,
            issuer=provider.issuer,
        )
    except flow.FlowError as problem:
        # Not audited: nothing here came from the provider for a sign-in this browser
        # started, and anyone can call this address.
        log.info("sso.callback_refused", tenant=tenant.slug, reason=str(problem))
        return _page(
            tenant,
            provider,
            next_path="/",
            error=f"This sign-in could not be completed ({problem}). {START_AGAIN}",
            status_code=400,
        )
    next_path = started.next_path
    if error is not None:
        await _record_failure(request, tenant.id, "provider_error", {"error": error[:200]})
        return _page(
            tenant,
            provider,
            next_path=next_path,
            error=f"{tenant.name}'s identity provider did not sign you in ({error[:200]}).",
            status_code=400,
        )
    try:
        metadata = await fetch_metadata(provider.issuer)
        id_token = await flow.exchange_code(
            client_id=provider.client_id,
            client_secret=_client_secret(request, provider),
            metadata=metadata,
            flow=started,
            code=code or "",
        )
        claims = verify_id_token(
            id_token,
            jwks=await fetch_jwks(metadata),
            issuer=provider.issuer,
            client_id=provider.client_id,
            nonce=started.nonce,
        )
    except (DiscoveryError, flow.FlowError, IdTokenRejected, SecretUnreadable) as problem:
        await _record_failure(request, tenant.id, "token_not_accepted", {"detail": str(problem)})
        return _page(
            tenant,
            provider,
            next_path=next_path,
            error=f"The answer from {tenant.name}'s identity provider could not be verified. "
            f"{START_AGAIN}",
            status_code=401,
        )
    set_actor(db_session, actor_for(request, None, f"single sign-on as {claims.get('email')}"))
    try:
        user = await resolve_user(db_session, provider, claims, tenant.name)
    except SignInRefused as refused:
        await _record_failure(
            request,
            tenant.id,
            refused.reason,
            {"email": claims.get("email"), "subject": claims["sub"]},
        )
        return _page(tenant, provider, next_path=next_path, error=refused.message, status_code=403)
    return await complete_sign_in(request, db_session, user, next_path=next_path, method="sso")
