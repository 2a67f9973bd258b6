"""Every input schema refuses control characters and invisible text-direction characters in
every field, found by walking the schemas: a new schema or field is covered by itself."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

import domain.tables  # noqa: F401  (imports every model module, and so every input schema)
from domain.org_units.models import OrgUnitCreate
from domain.resources.models import ResourceCreate
from domain.schemas import (
    CONTROL_CHARACTERS_MESSAGE,
    DIRECTION_CONTROLS,
    DIRECTION_CONTROLS_MESSAGE,
    InputSchema,
)
from domain.users.models import UserCreate

# Written out rather than imported, so the test pins the list the issue names.
BIDI_CONTROLS = [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u200e", "\u200f", "\u061c",  # direction marks
]  # fmt: skip


def every_input_schema() -> list[type[InputSchema]]:
    found: set[type[InputSchema]] = set()
    waiting = list(InputSchema.__subclasses__())
    while waiting:
        schema = waiting.pop()
        found.add(schema)
        waiting.extend(schema.__subclasses__())
    return sorted(found, key=lambda schema: schema.__name__)


EVERY_FIELD = [
    (schema, name) for schema in every_input_schema() for name in sorted(schema.model_fields)
]
FIELD_IDS = [f"{schema.__name__}.{name}" for schema, name in EVERY_FIELD]


def field_messages(schema: type[InputSchema], name: str, value: Any) -> list[str]:
    """The messages about field `name` when it alone is sent with `value`."""
    try:
        schema.model_validate({name: value})
    except ValidationError as error:
        return [e["msg"] for e in error.errors() if e["loc"][:1] == (name,)]
    return []


def test_the_walk_finds_the_names_and_titles_people_see() -> None:
    assert {
        "ResourceCreate.title",
        "ResourceUpdate.title",
        "ResourceCreate.phone",
        "ResourceCreate.email",
        "UserCreate.display_name",
        "UserUpdate.display_name",
        "OrgUnitCreate.name",
        "OrgUnitUpdate.name",
        "ProfessionCreate.name",
        "ProfessionUpdate.name",
        "ApiClientCreate.name",
        "ProgramSessionCreate.topic",
        "ProgramSessionUpdate.topic",
        "ProgramSettingsUpdate.program_name",
    } <= set(FIELD_IDS)


def test_the_refused_direction_controls_are_the_ones_the_issue_names() -> None:
    assert set(BIDI_CONTROLS) == DIRECTION_CONTROLS


@pytest.mark.parametrize(("schema", "name"), EVERY_FIELD, ids=FIELD_IDS)
def test_every_field_refuses_each_direction_control(schema: type[InputSchema], name: str) -> None:
    for char in BIDI_CONTROLS:
        for value in (f"Call {char}555-0199", [f"nurse{char}"]):
            assert f"Value error, {DIRECTION_CONTROLS_MESSAGE}" in field_messages(
                schema, name, value
            ), f"{schema.__name__}.{name} took U+{ord(char):04X} in {value!r}"


@pytest.mark.parametrize(("schema", "name"), EVERY_FIELD, ids=FIELD_IDS)
def test_every_field_still_refuses_other_control_characters(
    schema: type[InputSchema], name: str
) -> None:
    for value in ("Chap\u0000lain", "\u0085", ["nu\u0007rse"]):
        assert f"Value error, {CONTROL_CHARACTERS_MESSAGE}" in field_messages(schema, name, value)


@pytest.mark.parametrize(
    "text",
    [
        "\u0645\u0631\u0643\u0632 \u0627\u0644\u062f\u0639\u0645",  # Arabic letters
        "\u05e7\u05d5 \u05ea\u05de\u05d9\u05db\u05d4",  # Hebrew letters
        "Zo\u00eb \U0001fa7a",
        "Line one\nline two\ttabbed",
    ],
)
def test_right_to_left_scripts_line_breaks_and_tabs_are_welcome(text: str) -> None:
    ResourceCreate.model_validate({"title": text, "category": "wellness"})
    OrgUnitCreate.model_validate({"name": text, "kind": "unit"})
    UserCreate.model_validate(
        {"email": "zoe@hospital.example.org", "display_name": text, "roles": ["supporter"]}
    )
