"""Server-side validation of HTML forms with the same pydantic models as the JSON API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import DomainError, NotFound

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
FORM_ONLY_FIELDS = {"_csrf_token"}


def clean_form(
    form: Mapping[str, Any], model: type[BaseModel], lists: Collection[str] = ()
) -> dict[str, Any]:
    """Keep the model's fields; an empty optional field means 'not given' (None). A field
    named in ``lists`` (checkboxes sharing a name) keeps every value sent, as a list."""
    cleaned: dict[str, Any] = {}
    for name, value in form.items():
        if name in FORM_ONLY_FIELDS or name not in model.model_fields:
            continue
        if name in lists:
            cleaned[name] = value if isinstance(value, list) else [value]
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


def validate_form(
    model: type[M], form: Mapping[str, Any], lists: Collection[str] = ()
) -> tuple[M | None, dict[str, str]]:
    """The validated model, or the errors keyed by field name for the template."""
    try:
        return model.model_validate(clean_form(form, model, lists)), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors


async def attempt(
    db_session: AsyncSession, action: Callable[[], Awaitable[T]]
) -> tuple[T | None, dict[str, str]]:
    """Run a service call in a savepoint; a refused business rule undoes whatever the
    call had written and becomes a form error on its field. "Not found" stays a 404."""
    try:
        async with db_session.begin_nested():
            return await action(), {}
    except NotFound:
        raise
    except DomainError as exc:
        return None, {exc.field or "__all__": exc.message}
