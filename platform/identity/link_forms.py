"""The forms behind emailed links: ask for an address, choose a password."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from saypro.platform.identity.account_pages import MIN_PASSWORD_LENGTH
from saypro.platform.validation import Input


class EmailOnly(Input):
    email: str = Field(default="", max_length=320)


class ChoosePassword(Input):
    password: Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)]
    confirm_password: Annotated[str, Field(max_length=1024)]

    @field_validator("confirm_password")
    @classmethod
    def _matches(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("password") not in (None, value):
            raise ValueError("does not match the password")
        return value
