"""The forms behind emailed links: ask for an address, choose a password."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator

from saypro.platform.identity.account_pages import MIN_PASSWORD_LENGTH
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
