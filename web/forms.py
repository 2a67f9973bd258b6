"""Submitted forms: reading them, turning them into domain schemas, and messages a person can
act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from annotated_types import Ge, Le
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from domain.errors import DomainError
from domain.types import MAX_FORM_FIELDS

SchemaT = TypeVar("SchemaT", bound=BaseModel)

FRIENDLY_MESSAGES = {
    "missing": "Fill this in.",
    "too_short": "Choose at least one.",
    "enum": "Choose one of the options.",
    "literal_error": "Choose one of the options.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "date_from_datetime_parsing": "Enter a date.",
    "date_parsing": "Enter a date.",
}


@dataclass(frozen=True)
class Form:
    """A submitted form: each name with all its values (checkbox groups send several)."""

    values: dict[str, list[str]]

    def first(self, name: str, default: str = "") -> str:
        found = self.values.get(name)
        return found[0] if found else default

    def all(self, name: str) -> list[str]:
        return [value for value in self.values.get(name, []) if value != ""]


async def read_form(request: Request) -> Form:
    """The request's form (empty for requests without one), read once by a dependency so
    the handlers stay synchronous."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return Form({})
    data = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
    values: dict[str, list[str]] = {}
    for name, value in data.multi_items():
        if isinstance(value, str):
            values.setdefault(name, []).append(value)
    return Form(values)


FormValues = Annotated[Form, Depends(read_form)]


def whole_number(raw: str, *, max_digits: int = 9) -> int | None:
    """The whole number the text spells in ASCII digits (0 or more, at most `max_digits`
    digits), else None. `str.isdigit` alone lets "²" through, which `int` refuses."""
    if not raw or len(raw) > max_digits or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


def number_limits(schema: type[BaseModel]) -> dict[str, tuple[int, int]]:
    """The lowest and highest whole number each field of the schema takes (its `ge` and
    `le`), so a form's min, max and hint say the schema's rule rather than a copy of it."""
    limits: dict[str, tuple[int, int]] = {}
    for name, field in schema.model_fields.items():
        low = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
        high = next((m.le for m in field.metadata if isinstance(m, Le)), None)
        if isinstance(low, int) and isinstance(high, int):
            limits[name] = (low, high)
    return limits


# An answer left out: a missing field, or a choice of several with none chosen.
UNANSWERED = ("missing", "too_short")


def field_messages(
    error: ValidationError,
    missing: str = "Fill this in.",
    unanswered: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The first message for each field, named by its top-level field. A field of
    `unanswered` left without an answer says its own message there ("Choose where it
    happened"), which names the field wherever it is shown."""
    messages: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "form"
        if unanswered and field in unanswered and problem["type"] in UNANSWERED:
            text = unanswered[field]
        elif problem["type"] == "missing":
            text = missing
        else:
            text = _message_of(problem)
        messages.setdefault(field, text)
    return messages


def _message_of(problem: Any) -> str:
    kind = problem["type"]
    if kind == "string_too_short":
        return f"Use at least {problem['ctx']['min_length']} characters."
    if kind == "string_too_long" or (kind == "too_long" and isinstance(problem["input"], str)):
        return f"Use at most {problem['ctx']['max_length']} characters."
    if kind == "too_long":
        return f"Give at most {problem['ctx']['max_length']}."
    if kind == "greater_than_equal":
        return f"Enter {problem['ctx']['ge']} or more."
    if kind == "less_than_equal":
        return f"Enter {problem['ctx']['le']} or less."
    if kind == "value_error":
        # Domain messages are lower-case sentence tails ("this cannot be blank"); a page
        # shows them as sentences.
        text = str(problem["msg"]).removeprefix("Value error, ").rstrip(".")
        return text[:1].upper() + text[1:] + "."
    return FRIENDLY_MESSAGES.get(kind, str(problem["msg"]))


def parse_form(
    schema: type[SchemaT],
    values: dict[str, Any],
    *,
    missing: str = "Fill this in.",
    unanswered: Mapping[str, str] | None = None,
) -> tuple[SchemaT | None, dict[str, str]]:
    """The schema and no messages, or None and the message for each field at fault;
    `missing` is what an unanswered field says ("Choose one." where all are choices), unless
    `unanswered` has a message of its own for that field."""
    try:
        return schema.model_validate(values), {}
    except ValidationError as error:
        return None, field_messages(error, missing, unanswered)


@dataclass(frozen=True)
class FieldAtFault:
    """One line of a form's error summary: the control it links to (None: the form as a
    whole) and a message that names the field."""

    control_id: str | None
    message: str


def error_summary(
    errors: Mapping[str, str], field_names: Mapping[str, str], unanswered: Mapping[str, str]
) -> list[FieldAtFault]:
    """The form's messages in the order of `field_names` (field -> the name people see),
    each linking to the field's first control, whose id is the field's name. The message of
    an unanswered field names it already; any other gets the field's name in front."""
    summary = [FieldAtFault(None, errors["form"])] if "form" in errors else []
    for field, name in field_names.items():
        message = errors.get(field)
        if message is not None and field != "form":
            named = message if message == unanswered.get(field) else f"{name}: {message}"
            summary.append(FieldAtFault(field, named))
    listed = {"form", *field_names}
    summary.extend(FieldAtFault(None, m) for f, m in errors.items() if f not in listed)
    return summary


def domain_error_messages(error: DomainError) -> dict[str, str]:
    return {error.field or "form": error.message}
