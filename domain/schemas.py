"""The base of every input schema (`*Create`, `*Update`, queries): unknown fields are refused,
and no text may carry control characters (NUL and friends break databases and logs)."""

from typing import Any

from pydantic import ConfigDict, field_validator
from sqlmodel import SQLModel

ALLOWED_CONTROLS = frozenset("\n\r\t")


def has_control_characters(text: str) -> bool:
    return any(
        (ord(char) < 32 or 127 <= ord(char) < 160) and char not in ALLOWED_CONTROLS for char in text
    )


def _refuse_control_characters(value: Any) -> None:
    if isinstance(value, str) and has_control_characters(value):
        raise ValueError("remove control characters from this text")
    if isinstance(value, list | tuple | set):
        for item in value:
            _refuse_control_characters(item)


class InputSchema(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="before")
    @classmethod
    def no_control_characters(cls, value: Any) -> Any:
        _refuse_control_characters(value)
        return value
