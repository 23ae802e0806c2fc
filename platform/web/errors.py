"""Errors as RFC 9457 problem details on the API and as friendly pages in the UI.

Every 404 has the same body whatever its cause (unknown tenant, unknown id, another
tenant's id, unknown route), so a response never tells whether something exists.
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_404_NOT_FOUND,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from sqlalchemy.exc import DataError, IntegrityError

from saypro.platform.errors import DomainError
from saypro.platform.identity.guards import ENROLMENT_PATH, SecondFactorEnrolmentRequired

log = structlog.get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
NOT_FOUND_DETAIL = "The requested resource was not found."
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def field_errors(exc: ValidationException) -> list[dict[str, str]]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            errors.append(
                {"field": str(item.get("key") or ""), "message": str(item.get("message", ""))}
            )
    return errors


def problem(status: int, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def _describe(exc: Exception) -> tuple[int, str, dict[str, Any]]:
    if isinstance(exc, DomainError):
        if exc.status_code == HTTP_404_NOT_FOUND:
            return HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL, {}
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        detail = f"{exc.field}: {exc.message}" if exc.field else exc.message
        return exc.status_code, detail, {"errors": errors}
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status == HTTP_404_NOT_FOUND:
            return status, NOT_FOUND_DETAIL, {}
        if isinstance(exc, ValidationException):
            errors = field_errors(exc)
            named = ", ".join(e["field"] for e in errors if e["field"])
            detail = f"Invalid input: {named}" if named else (exc.detail or "Invalid input")
            return 422 if errors else 400, detail, {"errors": errors}
        return status, exc.detail or TITLES.get(status, "Error"), {}
    # Safety nets: the database refused a value or a constraint that validation missed.
    if isinstance(exc, IntegrityError):
        log.warning("integrity_error", error=type(exc.orig).__name__)
        return 409, "The change conflicts with data that already exists.", {}
    if isinstance(exc, DataError):
        log.warning("data_error", error=type(exc.orig).__name__)
        return 422, "A value is not acceptable (too large, or holds characters not allowed).", {}
    log.exception("unhandled_error", exc_info=exc)
    return (
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; it has been logged.",
        {},
    )


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, detail, extra = _describe(exc)
    headers = dict(getattr(exc, "headers", None) or {})
    if status == HTTP_429_TOO_MANY_REQUESTS and "Retry-After" not in headers:
        # The rate-limit middleware states when the window resets; clients read Retry-After.
        reset = headers.get("RateLimit-Reset")
        headers["Retry-After"] = str(max(1, int(reset))) if reset and reset.isdigit() else "60"
    if is_api(request):
        if status == 401:
            # A 401 names the scheme that would be accepted (RFC 9110): an API token.
            headers.setdefault("WWW-Authenticate", 'Bearer realm="SayPro API"')
        response = problem(status, detail, **extra)
        response.headers.update(headers)
        return response
    # A browser is sent to sign in; a refused API token (on a page) gets its 401.
    if isinstance(exc, NotAuthorizedException) and "WWW-Authenticate" not in headers:
        return Redirect(path="/login", query_params={"next": request.url.path})
    if isinstance(exc, SecondFactorEnrolmentRequired):
        return Redirect(path=ENROLMENT_PATH)
    return Template(
        template_name="error.html",
        context={"status": status, "title": TITLES.get(status, "Error"), "detail": detail, **extra},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )
