"""`Idempotency-Key` on creations: a retry with the same key and body gets the first answer and
creates nothing more; the same key with another body is refused; keys belong to their caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from domain.codes import Role
from domain.encounters.models import Encounter
from domain.resources.models import Resource
from tests.factories import make_supporter, make_user

Headers = dict[str, str]


@dataclass(frozen=True)
class Creation:
    path: str
    body: dict[str, Any]
    changed: dict[str, Any]  # the same request with one field changed
    table: type[Any]


ENCOUNTER: dict[str, Any] = {
    "setting": "icu",
    "peer_profession": "physician",
    "duration_band": "under_15",
    "stressors": ["personal"],
    "elements": ["listening"],
    "support_types": ["emotional"],
}
RESOURCE: dict[str, Any] = {"title": "Chaplaincy", "category": "spiritual_care"}
CREATIONS = [
    Creation("/api/v1/encounters", ENCOUNTER, ENCOUNTER | {"setting": "office"}, Encounter),
    Creation("/api/v1/resources", RESOURCE, RESOURCE | {"title": "Chapel"}, Resource),
]
each_creation = pytest.mark.parametrize("creation", CREATIONS, ids=lambda c: c.path)


@pytest.fixture
def new_caller(db: Session, headers_for_user: Callable[..., Headers]) -> Callable[[], Headers]:
    """Headers for a new person who may make both: an active supporter and resource editor."""

    def make() -> Headers:
        user = make_user(db, roles=(Role.supporter, Role.resource_editor))
        make_supporter(db, user=user)
        return headers_for_user(user)

    return make


def rows(db: Session, table: type[Any]) -> int:
    return db.exec(select(func.count()).select_from(table)).one()


@each_creation
def test_the_same_key_and_body_answer_the_same_and_create_one_row(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "retry-1"}
    before = rows(db, creation.table)

    first = client.post(creation.path, json=creation.body, headers=headers)
    again = client.post(creation.path, json=creation.body, headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert rows(db, creation.table) == before + 1


@each_creation
def test_the_same_key_with_another_body_is_refused_naming_the_key(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "retry-2"}
    assert client.post(creation.path, json=creation.body, headers=headers).status_code == 201
    before = rows(db, creation.table)

    response = client.post(creation.path, json=creation.changed, headers=headers)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert rows(db, creation.table) == before


@each_creation
def test_different_callers_use_the_same_key_independently(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    before = rows(db, creation.table)

    mine = client.post(creation.path, json=creation.body, headers=new_caller() | key)
    theirs = client.post(creation.path, json=creation.body, headers=new_caller() | key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert rows(db, creation.table) == before + 2


@each_creation
def test_without_a_key_each_post_creates_a_row(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller()
    before = rows(db, creation.table)

    first = client.post(creation.path, json=creation.body, headers=headers)
    second = client.post(creation.path, json=creation.body, headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert rows(db, creation.table) == before + 2
