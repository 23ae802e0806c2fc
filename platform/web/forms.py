"""Server-side validation of HTML forms with the same pydantic models as the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
FORM_ONLY_FIELDS = {"_csrf_token"}


def clean_form(form: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Keep the model's fields; an empty optional field means 'not given' (None)."""
    cleaned: dict[str, Any] = {}
    for name, value in form.items():
        if name in FORM_ONLY_FIELDS or name not in model.model_fields:
            continue
        if isinstance(value, list):
            value = value[-1] if value else ""
        if (
            isinstance(value, str)
            and value.strip() == ""
            and not model.model_fields[name].is_required()
        ):
            value = (
                None
                if model.model_fields[name].default is None
                else model.model_fields[name].default
            )
        cleaned[name] = value
    return cleaned


def validate_form(model: type[M], form: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The validated model, or the errors keyed by field name for the template."""
    try:
        return model.model_validate(clean_form(form, model)), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors
