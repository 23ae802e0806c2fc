"""What every module's HTML pages share: the dependency types, rendering a template
with the tenant and the module's fixed choices, select options, htmx detection and
form errors (re-exported from :mod:`saypro.platform.web.forms`)."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.service import list_members
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.web.forms import (
    UNPROCESSABLE,
    FormErrors,
    attempt,
    form_error,
    validate_form,
)

__all__ = [
    "UNPROCESSABLE",
    "ContextProvider",
    "Form",
    "FormErrors",
    "Renderer",
    "Session",
    "Tenant",
    "attempt",
    "form_error",
    "humanise",
    "is_htmx",
    "member_context",
    "options",
    "validate_form",
]

Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
Form = URLEncodedBody[dict[str, Any]]

# Adds what a module's templates need from the database (members, linked records).
ContextProvider = Callable[[AsyncSession, CurrentTenant], Awaitable[Mapping[str, Any]]]


def humanise(value: str) -> str:
    """``not_started`` → ``Not started``."""
    return value.replace("_", " ").capitalize()


def options(
    values: Iterable[enum.Enum], labels: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(value, label) pairs for a select. With ``labels``, a value's label comes from it
    (its humanised value if missing); without, from the member's ``label`` if it has
    one, else its humanised value."""
    pairs = []
    for member in values:
        value = str(member.value)
        if labels is not None:
            label = labels.get(value, humanise(value))
        else:
            label = str(getattr(member, "label", humanise(value)))
        pairs.append((value, label))
    return pairs


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


async def member_context(db_session: AsyncSession, tenant: CurrentTenant) -> Mapping[str, Any]:
    """The municipality's members, for owner pickers: ``members`` (id → name) and
    ``member_options`` (pairs)."""
    members = await list_members(db_session, tenant.id)
    return {"members": dict(members), "member_options": members}


@dataclass(frozen=True)
class Renderer:
    """A module's ``render``: every template gets the tenant, empty ``values`` and
    ``errors`` unless given, the module's fixed ``choices`` and what each provider adds.

    ``render = Renderer(choices={...}, providers=(member_context,))`` once per module,
    then ``await render("strategy/list.html", db_session, tenant, rows=rows)``.
    """

    choices: Mapping[str, Any] = field(default_factory=dict)
    providers: Sequence[ContextProvider] = ()

    async def __call__(
        self,
        template: str,
        db_session: AsyncSession,
        tenant: CurrentTenant,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **context: Any,
    ) -> Template:
        context.setdefault("values", {})
        context.setdefault("errors", {})
        provided: dict[str, Any] = {}
        for provider in self.providers:
            provided.update(await provider(db_session, tenant))
        return Template(
            template,
            context={"tenant": tenant, **provided, **self.choices, **context},
            status_code=status_code,
            headers=dict(headers) if headers is not None else None,
        )
