"""Turning a submitted form into a domain schema, with messages a person can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from domain.errors import DomainError

SchemaT = TypeVar("SchemaT", bound=BaseModel)

FRIENDLY_MESSAGES = {
    "missing": "Fill this in.",
    "string_too_short": "This is too short.",
    "value_error": "Check this value.",
}


def field_messages(error: ValidationError) -> dict[str, str]:
    """The first message for each field, named by its top-level field."""
    messages: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "form"
        messages.setdefault(field, _message_of(problem))
    return messages


def _message_of(problem: Any) -> str:
    kind = problem["type"]
    if kind == "string_too_short":
        return f"Use at least {problem['ctx']['min_length']} characters."
    if kind == "value_error":
        return str(problem["msg"]).removeprefix("Value error, ").rstrip(".") + "."
    return FRIENDLY_MESSAGES.get(kind, str(problem["msg"]))


def parse_form(
    schema: type[SchemaT], values: dict[str, Any]
) -> tuple[SchemaT | None, dict[str, str]]:
    """The schema and no messages, or None and the message for each field at fault."""
    try:
        return schema.model_validate(values), {}
    except ValidationError as error:
        return None, field_messages(error)


def domain_error_messages(error: DomainError) -> dict[str, str]:
    return {error.field or "form": error.message}
