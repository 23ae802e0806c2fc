"""Server-side validation of HTML forms with the same pydantic models as the JSON API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.errors import DomainError, NotFound

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
FORM_ONLY_FIELDS = {"_csrf_token"}
UNPROCESSABLE = HTTP_422_UNPROCESSABLE_ENTITY


class FormErrors(dict[str, str]):
    """Error messages by field name, and the status the page answers with: 422 for bad
    input; a refused business rule keeps its own (409 a conflict, 403 not the person's)."""

    def __init__(
        self, messages: Mapping[str, str] | None = None, *, status_code: int = UNPROCESSABLE
    ) -> None:
        super().__init__(messages or {})
        self.status_code = status_code


def form_error(exc: DomainError) -> FormErrors:
    """A refused business rule as the form error on its field, with the rule's status."""
    return FormErrors({exc.field or "__all__": exc.message}, status_code=exc.status_code)


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
) -> tuple[M | None, FormErrors]:
    """The validated model, or the errors keyed by field name for the template."""
    try:
        return model.model_validate(clean_form(form, model, lists)), FormErrors()
    except ValidationError as exc:
        errors = FormErrors()
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors


async def attempt(
    db_session: AsyncSession, action: Callable[[], Awaitable[T]]
) -> tuple[T | None, FormErrors]:
    """Run a service call in a savepoint; a refused business rule undoes whatever the
    call had written and becomes a form error on its field, with the rule's status.
    "Not found" stays a 404."""
    try:
        async with db_session.begin_nested():
            return await action(), FormErrors()
    except NotFound:
        raise
    except DomainError as exc:
        return None, form_error(exc)
