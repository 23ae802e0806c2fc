"""Accepting an invitation: /join/{municipality}/{token}.

Public (the person may have no account yet), so the page binds the municipality named in
the link itself before looking the token up (invitations are tenant-owned rows). A person
without an account chooses a name and password here; a person with one must be signed in
as that account. Links that are unknown, expired, revoked or used show why and change
nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.service import set_actor
from saypro.platform.clock import SAST
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.identity import invitations
from saypro.platform.identity.account_pages import MIN_PASSWORD_LENGTH
from saypro.platform.identity.auth import retrieve_principal
from saypro.platform.identity.controllers import check_password_sign_in
from saypro.platform.identity.guards import public
from saypro.platform.identity.invitations import InvitationState
from saypro.platform.identity.link_forms import ChoosePassword
from saypro.platform.identity.models import Invitation, User
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.sign_in import actor_for, complete_sign_in
from saypro.platform.tenancy.models import Tenant, TenantStatus
from saypro.platform.web.forms import validate_form

PATH = "/join/{municipality:str}/{token:str}"
# A second submission of the new-account form (double click, retried request) that
# arrives after the first one accepted the invitation signs the person in instead of
# failing, when it carries the password just chosen.
REPEAT_WINDOW = timedelta(minutes=10)

Session = NamedDependency[AsyncSession]
Form = URLEncodedBody[dict[str, Any]]
AnyRequest = Request[Any, Any, State]


class NewAccount(ChoosePassword):
    full_name: Annotated[str, Field(min_length=1, max_length=200)]


REFUSALS: dict[InvitationState | None, tuple[str, int]] = {
    None: (
        "This invitation link is not valid. Check that the whole link was opened, or ask "
        "your municipality's administrator for a new invitation.",
        404,
    ),
    InvitationState.EXPIRED: (
        "This invitation has expired. Ask the municipality's administrator to send it again.",
        410,
    ),
    InvitationState.REVOKED: (
        "This invitation was withdrawn by the municipality's administrator.",
        410,
    ),
    InvitationState.ACCEPTED: (
        "This invitation has already been used. If it was yours, sign in to continue.",
        410,
    ),
}


def _page(view: str, status_code: int = 200, **context: Any) -> Template:
    return Template(
        "invitations/join.html", context={"view": view, **context}, status_code=status_code
    )


def _refused(state: InvitationState | None, tenant: Tenant | None = None) -> Template:
    reason, status_code = REFUSALS[state]
    return _page(
        "refused",
        status_code,
        reason=reason,
        state=state.value if state else "invalid",
        municipality=tenant.name if tenant else None,
        sign_in_url=f"/login?next=/t/{tenant.slug}/" if tenant else "/login",
    )


async def _resolve(
    db_session: AsyncSession, municipality: str, token: str, *, lock: bool
) -> tuple[Tenant, Invitation] | Template:
    tenant = await db_session.scalar(select(Tenant).where(Tenant.slug == municipality))
    if tenant is None or tenant.status is TenantStatus.CLOSED:
        return _refused(None)
    await bind_tenant(db_session, tenant.id)
    invitation = await invitations.find_by_token(db_session, token, lock=lock)
    if invitation is None:
        return _refused(None)
    return tenant, invitation


async def _signed_in(request: AnyRequest) -> Principal | None:
    # The page is public, so authentication did not run; read the session the same way.
    return await retrieve_principal(request.session, request)


def _details(tenant: Tenant, invitation: Invitation, token: str) -> dict[str, Any]:
    return {
        "municipality": tenant.name,
        "role": invitation.role.value.replace("_", " "),
        "email": invitation.email,
        "expires_at": invitation.expires_at.astimezone(SAST),
        "action": f"/join/{tenant.slug}/{token}",
    }


async def _offer(
    request: AnyRequest,
    db_session: AsyncSession,
    tenant: Tenant,
    invitation: Invitation,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    """What the invited person can do now, given who is signed in in this browser."""
    details = _details(tenant, invitation, token)
    principal = await _signed_in(request)
    if principal is not None and principal.email.lower() != invitation.email.lower():
        return _page("wrong_account", 403, signed_in_as=principal.email, **details)
    account = await invitations.user_with_email(db_session, invitation.email)
    if account is None:
        return _page(
            "new_account",
            status_code,
            errors=errors or {},
            values=values or {},
            min_password_length=MIN_PASSWORD_LENGTH,
            **details,
        )
    if principal is None:
        return _page(
            "sign_in",
            403 if request.method == "POST" else 200,
            sign_in_url=f"/login?next={details['action']}",
            **details,
        )
    return _page("accept", status_code, **details)


@get(PATH, name="invitations:join", include_in_schema=False, **public())
async def join_page(
    request: AnyRequest, db_session: Session, municipality: FromPath[str], token: FromPath[str]
) -> Template:
    found = await _resolve(db_session, municipality, token, lock=False)
    if isinstance(found, Template):
        return found
    tenant, invitation = found
    state = invitations.state_of(invitation)
    if state is not InvitationState.OPEN:
        return _refused(state, tenant)
    return await _offer(request, db_session, tenant, invitation, token)


async def _repeat_of_acceptance(
    request: AnyRequest,
    db_session: AsyncSession,
    tenant: Tenant,
    invitation: Invitation,
    data: Form,
) -> Redirect | None:
    """A repeated acceptance by the person who accepted: they go to the workspace."""
    principal = await _signed_in(request)
    if principal is not None:
        if principal.user_id == invitation.accepted_by_id:
            return Redirect(path=f"/t/{tenant.slug}/")
        return None
    password = data.get("password")
    accepted_at = invitation.accepted_at
    if (
        not isinstance(password, str)
        or accepted_at is None
        or accepted_at + REPEAT_WINDOW < invitations.now()
    ):
        return None
    # The password proves who is asking, with every rule of the sign-in page (throttle,
    # single sign-on required, failures on the record).
    user = await check_password_sign_in(request, db_session, invitation.email, password)
    if not isinstance(user, User) or user.id != invitation.accepted_by_id:
        return None
    return await complete_sign_in(request, db_session, user, next_path=f"/t/{tenant.slug}/")


@post(PATH, include_in_schema=False, **public())
async def accept(
    request: AnyRequest,
    db_session: Session,
    municipality: FromPath[str],
    token: FromPath[str],
    data: Form,
) -> Template | Redirect:
    # Locked: of two simultaneous acceptances the second waits, then finds it used.
    found = await _resolve(db_session, municipality, token, lock=True)
    if isinstance(found, Template):
        return found
    tenant, invitation = found
    state = invitations.state_of(invitation)
    if state is InvitationState.ACCEPTED:
        repeated = await _repeat_of_acceptance(request, db_session, tenant, invitation, data)
        if repeated is not None:
            return repeated
    if state is not InvitationState.OPEN:
        return _refused(state, tenant)
    principal = await _signed_in(request)
    account = await invitations.user_with_email(db_session, invitation.email)
    if account is None and principal is None:
        parsed, errors = validate_form(NewAccount, data)
        if parsed is None:
            values = {"full_name": data.get("full_name")}
            return await _offer(
                request,
                db_session,
                tenant,
                invitation,
                token,
                errors=errors,
                values=values,
                status_code=422,
            )
        user = await invitations.create_invited_account(
            db_session, invitation, full_name=parsed.full_name, password=parsed.password
        )
        set_actor(db_session, actor_for(request, user.id, user.full_name))
        await invitations.accept(db_session, invitation, user)
        return await complete_sign_in(request, db_session, user, next_path=f"/t/{tenant.slug}/")
    if account is None or principal is None or principal.user_id != account.id:
        # Someone else is signed in, or the invited account is not: explain, change nothing.
        return await _offer(request, db_session, tenant, invitation, token)
    set_actor(db_session, actor_for(request, account.id, account.full_name))
    await invitations.accept(db_session, invitation, account)
    return Redirect(path=f"/t/{tenant.slug}/")
