"""SayPro staff pages: /admin/staff (platform admins manage staff roles) and /portfolio
(a consultant's assigned municipalities)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.service import set_actor
from saypro.platform.clock import today_sast
from saypro.platform.email.service import queue_email
from saypro.platform.identity.account_links import RESET_PASSWORD_LIFETIME, issue_link
from saypro.platform.identity.guards import requires
from saypro.platform.identity.models import LinkPurpose
from saypro.platform.identity.permissions import Permission, StaffRole
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.sign_in import actor_for
from saypro.platform.staff import service as staff
from saypro.platform.validation import Input
from saypro.platform.web.forms import attempt, validate_form
from saypro.platform.web.links import absolute_url

MANAGE = requires(Permission.STAFF_MANAGE)
Session = NamedDependency[AsyncSession]
Form = URLEncodedBody[dict[str, Any]]


class NewStaffForm(Input):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    full_name: Annotated[str, Field(default="", max_length=200)] = ""
    role: StaffRole


class StaffRoleForm(Input):
    # "none" ends the person's staff role (their account stays).
    role: StaffRole | None = None


class StaffPages(Controller):
    path = "/admin/staff"
    include_in_schema = False

    async def _page(
        self,
        db_session: AsyncSession,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "admin/staff.html",
            context={
                "staff": await staff.list_staff(db_session),
                "roles": list(StaffRole),
                "errors": errors or {},
                "values": values or {},
                "notice": notice,
            },
            status_code=status_code,
        )

    @get("/", name="admin:staff", **MANAGE)
    async def list_page(self, db_session: Session) -> Template:
        return await self._page(db_session)

    @post("/", **MANAGE)
    async def add(
        self, request: Request[Principal, Any, Any], db_session: Session, data: Form
    ) -> Template | Redirect:
        parsed, errors = validate_form(NewStaffForm, data)
        if parsed is None:
            return await self._page(db_session, errors=errors, values=data, status_code=422)
        added, refused = await attempt(
            db_session,
            lambda: staff.add_staff(
                db_session, email=parsed.email, full_name=parsed.full_name, role=parsed.role
            ),
        )
        if added is None:
            return await self._page(db_session, errors=refused, values=data, status_code=409)
        user, created = added
        role = parsed.role.value.replace("_", " ")
        if created:
            # A new account has no password: its owner chooses one through the link.
            token = await issue_link(
                db_session, user_id=user.id, purpose=LinkPurpose.RESET_PASSWORD
            )
            await queue_email(
                db_session,
                to=user.email,
                template="staff_welcome",
                context={
                    "full_name": user.full_name,
                    "added_by": request.user.full_name,
                    "role": role,
                    "password_url": absolute_url(request, f"/password-reset/{token}"),
                    "sign_in_url": absolute_url(request, "/login"),
                    "lifetime_minutes": int(RESET_PASSWORD_LIFETIME.total_seconds() // 60),
                },
            )
        notice = (
            f"{user.email} was given an account and an email to choose a password."
            if created
            else f"{user.email} is now SayPro {role}."
        )
        return await self._page(db_session, notice=notice)

    @post("/{user_id:uuid}/role", **MANAGE)
    async def change_role(
        self,
        request: Request[Principal, Any, Any],
        db_session: Session,
        user_id: FromPath[uuid.UUID],
        data: Form,
    ) -> Template | Redirect:
        form = {k: v for k, v in data.items() if not (k == "role" and v == "none")}
        parsed, errors = validate_form(StaffRoleForm, form)
        if parsed is None:
            return await self._page(db_session, errors=errors, status_code=422)
        me = request.user
        set_actor(db_session, actor_for(request, me.user_id, f"{me.full_name} (SayPro)"))
        _, refused = await attempt(
            db_session,
            lambda: staff.change_staff_role(
                db_session, user_id, parsed.role, acting_user=me.user_id
            ),
        )
        if refused:
            return await self._page(db_session, errors=refused, status_code=409)
        return Redirect(path="/admin/staff/")


@get("/portfolio", name="portfolio", include_in_schema=False, **requires(Permission.PORTFOLIO_READ))
async def portfolio_page(request: Request[Principal, Any, Any], db_session: Session) -> Template:
    """The municipalities a consultant is assigned to: current ones can be entered."""
    assignments = await staff.portfolio(db_session, request.user.user_id)
    return Template("portfolio.html", context={"assignments": assignments, "today": today_sast()})
