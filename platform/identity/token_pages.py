"""The signed-in user's personal API tokens: /account/tokens (make, list, revoke)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity import api_tokens
from saypro.platform.identity.guards import signed_in
from saypro.platform.identity.permissions import WORKSPACE_PERMISSIONS, Permission
from saypro.platform.identity.principal import Principal
from saypro.platform.identity.sign_in import actor_for
from saypro.platform.validation import Input
from saypro.platform.web.forms import attempt, validate_form

DEFAULT_DAYS = 30
EXPIRY_MESSAGE = f"must be a whole number of days from 1 to {api_tokens.MAX_DAYS}"
# The secret is on the page once: no cache may keep it.
NO_STORE = {"Cache-Control": "no-store"}
Session = NamedDependency[AsyncSession]
Form = URLEncodedBody[dict[str, Any]]
UserRequest = Request[Principal, Any, State]


class TokenForm(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    tenant: Annotated[str, Field(max_length=100)]
    # Unticked checkboxes send nothing: validated even when absent.
    permissions: Annotated[list[str], Field(default_factory=list, validate_default=True)]
    expires_in_days: int

    @field_validator("tenant")
    @classmethod
    def _chosen(cls, value: str) -> str:
        if not value:
            raise ValueError("choose a municipality")
        return value

    @field_validator("permissions")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        workspace = {p.value for p in WORKSPACE_PERMISSIONS}
        unknown = sorted(set(value) - workspace)
        if unknown:
            raise ValueError(f"not a workspace permission: {', '.join(unknown)}")
        if not value:
            raise ValueError("choose at least one permission")
        return value

    @field_validator("expires_in_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> int:
        try:
            days = int(str(value).strip())
        except ValueError:
            raise ValueError(EXPIRY_MESSAGE) from None
        if not 1 <= days <= api_tokens.MAX_DAYS:
            raise ValueError(EXPIRY_MESSAGE)
        return days


async def _page(
    request: UserRequest,
    db_session: AsyncSession,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    issued: api_tokens.IssuedToken | None = None,
    status_code: int = 200,
) -> Template:
    user = request.user
    grantable = {
        access.slug: sorted(p.value for p in api_tokens.grantable(access))
        for access in user.tenants.values()
    }
    return Template(
        "account/tokens.html",
        context={
            "tokens": await api_tokens.list_tokens(db_session, user.user_id),
            "now": api_tokens.utcnow(),
            "municipalities": list(user.tenants.values()),
            "grantable": grantable,
            "all_permissions": sorted(p.value for p in WORKSPACE_PERMISSIONS),
            "errors": errors or {},
            "values": values or {"expires_in_days": DEFAULT_DAYS, "permissions": []},
            "issued": issued,
            "max_days": api_tokens.MAX_DAYS,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@get("/account/tokens", name="account:tokens", include_in_schema=False, **signed_in())
async def tokens_page(request: UserRequest, db_session: Session) -> Template:
    return await _page(request, db_session)


@post("/account/tokens", include_in_schema=False, **signed_in())
async def create_token(request: UserRequest, db_session: Session, data: Form) -> Template:
    parsed, errors = validate_form(TokenForm, data, lists={"permissions"})
    values = {key: value for key, value in data.items() if key != "_csrf_token"}
    chosen = values.get("permissions", [])
    values["permissions"] = chosen if isinstance(chosen, list) else [chosen]
    if parsed is None:
        return await _page(request, db_session, errors=errors, values=values, status_code=422)
    user = request.user
    issued, refused = await attempt(
        db_session,
        lambda: api_tokens.create_token(
            db_session,
            user,
            actor_for(request, user.user_id, user.full_name),
            name=parsed.name,
            tenant_slug=parsed.tenant,
            permissions=[Permission(p) for p in parsed.permissions],
            expires_in_days=parsed.expires_in_days,
        ),
    )
    if issued is None:
        return await _page(request, db_session, errors=refused, values=values, status_code=422)
    # The secret goes out in this response and nowhere else: a redirect would have to
    # park it somewhere (the session store) until the next page is shown.
    return await _page(request, db_session, issued=issued, status_code=201)


@post("/account/tokens/{token_id:uuid}/revoke", include_in_schema=False, **signed_in())
async def revoke_token(
    request: UserRequest, db_session: Session, token_id: FromPath[uuid.UUID]
) -> Redirect:
    user = request.user
    await api_tokens.revoke_token(
        db_session, user.user_id, token_id, actor_for(request, user.user_id, user.full_name)
    )
    return Redirect(path="/account/tokens")
