"""Domain errors that services raise; the web layer turns them into 404/409/422 answers."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Missing and forbidden look the same: both are 'not found'."""

    status_code = 404

    def __init__(self, message: str = "not found") -> None:
        super().__init__(message)


class Conflict(DomainError):
    status_code = 409


class InvalidInput(DomainError):
    status_code = 422
