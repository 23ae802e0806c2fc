"""The forms behind emailed links: ask for an address, choose a password; and the pages
of a link that leads to choosing a password."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from litestar.response import Template
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.identity.account_links import find_link
from saypro.platform.identity.account_pages import MIN_PASSWORD_LENGTH
from saypro.platform.identity.models import LinkPurpose
from saypro.platform.validation import Input
from saypro.platform.web.forms import validate_form


class EmailOnly(Input):
    email: str = Field(default="", max_length=320)


def asked_email(data: Mapping[str, Any]) -> str:
    """The address a form asks about, or "" when the form does not carry a usable one."""
    parsed, _errors = validate_form(EmailOnly, data)
    return parsed.email if parsed else ""


class ChoosePassword(Input):
    password: Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)]
    confirm_password: Annotated[str, Field(max_length=1024)]

    @field_validator("confirm_password")
    @classmethod
    def _matches(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("password") not in (None, value):
            raise ValueError("does not match the password")
        return value


@dataclass(frozen=True)
class ChoosePasswordPages:
    """The pages of an emailed link that leads to choosing a password (verifying a sign-up,
    resetting a forgotten password): the form, and why the link cannot be used (410)."""

    purpose: LinkPurpose
    choose_template: str
    problem_template: str

    def choose(self, token: str, errors: dict[str, str], status_code: int = 200) -> Template:
        return Template(
            self.choose_template,
            context={"token": token, "errors": errors, "min_length": MIN_PASSWORD_LENGTH},
            status_code=status_code,
        )

    def problem(self, problem: str) -> Template:
        return Template(self.problem_template, context={"problem": problem}, status_code=410)

    async def page(self, db_session: AsyncSession, token: str) -> Template:
        """The form, or why the link cannot be used. Looking does not use the link (mail
        scanners open links); choosing the password does."""
        state = await find_link(db_session, token, self.purpose)
        if state.problem is not None:
            return self.problem(state.problem)
        return self.choose(token, {})
