"""Members pages: /t/{tenant_slug}/members — tenant admins invite people, change roles,
suspend, reactivate and remove members, and resend or revoke pending invitations."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity import invitations, members
from saypro.platform.identity.guards import requires
from saypro.platform.identity.models import Invitation
from saypro.platform.identity.permissions import Permission, Role
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.service import normalise_email
from saypro.platform.settings import Settings
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.validation import Input
from saypro.platform.web.forms import attempt, validate_form
from saypro.platform.web.links import absolute_url

MANAGE = requires(Permission.MEMBERS_MANAGE)
Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
UserId = FromPath[uuid.UUID]
InvitationId = FromPath[uuid.UUID]
Form = URLEncodedBody[dict[str, Any]]
AdminRequest = Request[Principal, Any, State]


class RoleForm(Input):
    role: Annotated[Role, Field(description="The member's new role")]


class InviteForm(Input):
    email: Annotated[str, Field(max_length=320, description="The address to invite")]
    role: Annotated[Role, Field(description="The role the person will have")]

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        return normalise_email(value)


def _ttl(request: AdminRequest) -> timedelta:
    settings: Settings = request.app.state.settings
    return timedelta(days=settings.invitation_ttl_days)


async def _send(
    request: AdminRequest,
    db_session: AsyncSession,
    tenant: CurrentTenant,
    invitation: Invitation,
    token: str,
) -> None:
    await invitations.queue_invitation_email(
        db_session,
        invitation,
        join_url=absolute_url(request, f"/join/{tenant.slug}/{token}"),
        municipality=tenant.name,
        inviter=request.user.full_name,
    )


def _message(errors: dict[str, str]) -> str:
    return "; ".join(errors.values())


class MemberPages(Controller):
    path = "/members"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        error: str | None = None,
        status_code: int = 200,
        invite_errors: dict[str, str] | None = None,
        invite_values: dict[str, Any] | None = None,
        notice: str | None = None,
    ) -> Template:
        return Template(
            "members/list.html",
            context={
                "tenant": tenant,
                "members": await members.list_members(db_session),
                "invitations": await invitations.list_pending(db_session),
                "roles": list(Role),
                "error": error,
                "notice": notice,
                "invite_errors": invite_errors or {},
                "invite_values": invite_values or {"role": Role.VIEWER.value},
            },
            status_code=status_code,
        )

    @get("/", name="members:list", **MANAGE)
    async def list_page(
        self, db_session: Session, tenant: Tenant, sent: FromQuery[bool] = False
    ) -> Template:
        notice = "Invitation sent. The link in it works once." if sent else None
        return await self._page(db_session, tenant, notice=notice)

    @post("/{user_id:uuid}/role", **MANAGE)
    async def change_role(
        self, db_session: Session, tenant: Tenant, user_id: UserId, data: Form
    ) -> Template | Redirect:
        parsed, errors = validate_form(RoleForm, data)
        if parsed is None:
            return await self._page(
                db_session, tenant, error=f"role: {errors.get('role')}", status_code=422
            )
        _, refused = await attempt(
            db_session, lambda: members.change_role(db_session, user_id, parsed.role)
        )
        if refused:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        return Redirect(path=f"/t/{tenant.slug}/members/")

    @post("/{user_id:uuid}/remove", **MANAGE)
    async def remove(
        self, db_session: Session, tenant: Tenant, user_id: UserId
    ) -> Template | Redirect:
        _, refused = await attempt(db_session, lambda: members.remove_member(db_session, user_id))
        if refused:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        return Redirect(path=f"/t/{tenant.slug}/members/")

    @post("/{user_id:uuid}/suspend", **MANAGE)
    async def suspend(
        self, db_session: Session, tenant: Tenant, user_id: UserId
    ) -> Template | Redirect:
        _, refused = await attempt(db_session, lambda: members.suspend_member(db_session, user_id))
        if refused:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        return Redirect(path=f"/t/{tenant.slug}/members/")

    @post("/{user_id:uuid}/reactivate", **MANAGE)
    async def reactivate(
        self, db_session: Session, tenant: Tenant, user_id: UserId
    ) -> Template | Redirect:
        await members.reactivate_member(db_session, user_id)
        return Redirect(path=f"/t/{tenant.slug}/members/")

    @post("/invitations", name="members:invite", **MANAGE)
    async def invite(
        self, request: AdminRequest, db_session: Session, tenant: Tenant, data: Form
    ) -> Template | Redirect:
        parsed, errors = validate_form(InviteForm, data)
        values = {key: data.get(key) for key in ("email", "role")}
        if parsed is None:
            return await self._page(
                db_session, tenant, invite_errors=errors, invite_values=values, status_code=422
            )
        created, refused = await attempt(
            db_session,
            lambda: invitations.invite(
                db_session,
                email=parsed.email,
                role=parsed.role,
                invited_by=request.user.user_id,
                ttl=_ttl(request),
            ),
        )
        if created is None:
            return await self._page(
                db_session, tenant, invite_errors=refused, invite_values=values, status_code=409
            )
        invitation, token = created
        await _send(request, db_session, tenant, invitation, token)
        return Redirect(path=f"/t/{tenant.slug}/members/", query_params={"sent": "true"})

    @post("/invitations/{invitation_id:uuid}/resend", **MANAGE)
    async def resend(
        self,
        request: AdminRequest,
        db_session: Session,
        tenant: Tenant,
        invitation_id: InvitationId,
    ) -> Template | Redirect:
        renewed, refused = await attempt(
            db_session, lambda: invitations.resend(db_session, invitation_id, ttl=_ttl(request))
        )
        if renewed is None:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        invitation, token = renewed
        await _send(request, db_session, tenant, invitation, token)
        return Redirect(path=f"/t/{tenant.slug}/members/", query_params={"sent": "true"})

    @post("/invitations/{invitation_id:uuid}/revoke", **MANAGE)
    async def revoke(
        self, db_session: Session, tenant: Tenant, invitation_id: InvitationId
    ) -> Template | Redirect:
        _, refused = await attempt(
            db_session, lambda: invitations.revoke(db_session, invitation_id)
        )
        if refused:
            return await self._page(db_session, tenant, error=_message(refused), status_code=409)
        return Redirect(path=f"/t/{tenant.slug}/members/")
