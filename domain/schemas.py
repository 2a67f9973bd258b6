"""The base of every input schema (`*Create`, `*Update`, queries): unknown fields are refused,
and no text may carry control characters (NUL and friends break databases and logs) or
invisible text-direction marks (they make text show in another order than it is stored)."""

from typing import Any

from pydantic import ConfigDict, field_validator
from sqlmodel import SQLModel

ALLOWED_CONTROLS = frozenset("\n\r\t")
# Bidirectional controls ("Trojan Source", CVE-2021-42574): a right-to-left override shows
# "Call 555-0199" as "9910-555 llaC" in the crisis panel, and can make a title read as
# something else than what is stored. Embeddings, overrides, isolates and the direction marks.
DIRECTION_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
)
CONTROL_CHARACTERS_MESSAGE = "remove control characters from this text"
DIRECTION_CONTROLS_MESSAGE = (
    "remove invisible text-direction characters (such as a right-to-left override) from this text"
)


def has_direction_controls(text: str) -> bool:
    return not DIRECTION_CONTROLS.isdisjoint(text)


def has_control_characters(text: str) -> bool:
    """Control characters other than line breaks and tabs, direction controls included."""
    return has_direction_controls(text) or any(
        (ord(char) < 32 or 127 <= ord(char) < 160) and char not in ALLOWED_CONTROLS for char in text
    )


def control_characters_problem(text: str) -> str | None:
    """What to tell the sender of `text`, or None when it has no control characters."""
    if has_direction_controls(text):
        return DIRECTION_CONTROLS_MESSAGE
    if has_control_characters(text):
        return CONTROL_CHARACTERS_MESSAGE
    return None


def _refuse_control_characters(value: Any) -> None:
    if isinstance(value, str) and (problem := control_characters_problem(value)):
        raise ValueError(problem)
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
