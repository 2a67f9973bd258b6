"""Errors the domain raises. Each carries the HTTP status its meaning maps to, so every layer
translates them the same way (problem details in the API, a form message or a toast on a page)."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    title = "Request refused"
    retry_after_seconds: int | None = None  # set when the same request may succeed later

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Also raised for objects that exist but are outside the actor's reach: never reveal them."""

    status_code = 404
    title = "Not found"


class PermissionDenied(DomainError):
    status_code = 403
    title = "Not allowed"


class Conflict(DomainError):
    status_code = 409
    title = "Conflict"


class InvalidInput(DomainError):
    """Input that is well-typed but breaks a rule of the program; `field` names the culprit."""

    status_code = 422
    title = "Invalid input"


class RuleViolation(DomainError):
    """The request is valid but the program's state does not allow it now."""

    status_code = 409
    title = "Not possible now"
