"""`Idempotency-Key` on creations: a retry with the same key and body gets the first answer and
creates nothing more; the same key with another body is refused; keys belong to their caller; a
refused request does not use up its key. (Parallel retries and a killed server: tests/live.)"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.columns import utcnow
from domain.encounters.models import Encounter
from domain.idempotency.models import IdempotencyRecord
from domain.idempotency.service import request_fingerprint
from domain.resources.models import Resource
from domain.supporters.models import Supporter
from domain.users.models import User, UserCreate
from tests.factories import ENCOUNTER_BODY, make_supporter, make_user

Headers = dict[str, str]
TAKEN_EMAIL = "taken@hospital.example.org"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Creation:
    path: str
    make_body: Callable[[Session], dict[str, Any]]  # a new, valid request each call
    changed: dict[str, Any]  # the same request with one field changed
    refused: dict[str, Any]  # the same request with a field the service refuses
    table: type[Any]


RESOURCE: dict[str, Any] = {"title": "Chaplaincy", "category": "spiritual_care"}


def new_supporter_body(db: Session) -> dict[str, Any]:
    return {"user_id": make_user(db).id, "profession_code": "pharmacist"}


def new_user_body(_db: Session) -> dict[str, Any]:
    email = f"new.person{next(_numbers)}@hospital.example.org"
    return {"email": email, "display_name": "New Person", "roles": ["supporter"]}


CREATIONS = [
    Creation(
        "/api/v1/encounters",
        lambda _: ENCOUNTER_BODY,
        {"setting": "office"},
        {"peer_profession": "astronaut"},
        Encounter,
    ),
    Creation(
        "/api/v1/resources",
        lambda _: RESOURCE,
        {"title": "Chapel"},
        {"audiences": ["astronaut"]},
        Resource,
    ),
    Creation(
        "/api/v1/supporters",
        new_supporter_body,
        {"profession_code": "nurse"},
        {"profession_code": "astronaut"},
        Supporter,
    ),
    Creation(
        "/api/v1/users",
        new_user_body,
        {"display_name": "Another Name"},
        {"email": TAKEN_EMAIL},
        User,
    ),
]
each_creation = pytest.mark.parametrize("creation", CREATIONS, ids=lambda c: c.path)


@pytest.fixture
def new_caller(db: Session, headers_for_user: Callable[..., Headers]) -> Callable[[], Headers]:
    """Headers for a new person who may make all four: an active supporter, resource editor,
    coordinator and admin."""
    roles = (Role.supporter, Role.resource_editor, Role.coordinator, Role.admin)

    def make() -> Headers:
        user = make_user(db, roles=roles)
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
    body = creation.make_body(db)
    before = rows(db, creation.table)

    first = client.post(creation.path, json=body, headers=headers)
    again = client.post(creation.path, json=body, headers=headers)

    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == first.status_code
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert rows(db, creation.table) == before + 1


@each_creation
def test_the_same_key_with_another_body_is_refused_naming_the_key(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "retry-2"}
    body = creation.make_body(db)
    assert client.post(creation.path, json=body, headers=headers).status_code == 201
    before = rows(db, creation.table)

    response = client.post(creation.path, json=body | creation.changed, headers=headers)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert rows(db, creation.table) == before


@each_creation
def test_different_callers_use_the_same_key_independently(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    me, them = new_caller() | key, new_caller() | key
    before = rows(db, creation.table)

    mine = client.post(creation.path, json=creation.make_body(db), headers=me)
    theirs = client.post(creation.path, json=creation.make_body(db), headers=them)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert rows(db, creation.table) == before + 2


@each_creation
def test_without_a_key_each_post_creates_a_row(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller()
    before = rows(db, creation.table)

    first = client.post(creation.path, json=creation.make_body(db), headers=headers)
    second = client.post(creation.path, json=creation.make_body(db), headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert rows(db, creation.table) == before + 2


@each_creation
def test_a_refused_request_leaves_its_key_to_the_corrected_one(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    make_user(db, email=TAKEN_EMAIL)
    headers = new_caller() | {"Idempotency-Key": "fix-1"}
    body = creation.make_body(db)
    before = rows(db, creation.table)

    refused = client.post(creation.path, json=body | creation.refused, headers=headers)
    corrected = client.post(creation.path, json=body, headers=headers)

    assert refused.status_code in (409, 422), refused.text
    assert corrected.status_code == 201, corrected.text
    assert "Idempotent-Replayed" not in corrected.headers
    assert rows(db, creation.table) == before + 1


@each_creation
def test_a_retry_while_the_first_is_unfinished_is_told_to_come_back_in_1_second(
    client: TestClient, db: Session, creation: Creation, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "slow-1"}
    body = creation.make_body(db)
    assert client.post(creation.path, json=body, headers=headers).status_code == 201
    # What another transaction would see of a claim before its response is written.
    unfinished = {"status_code": None, "response_body": None}
    db.exec(
        update(IdempotencyRecord).where(col(IdempotencyRecord.key) == "slow-1").values(unfinished)
    )
    before = rows(db, creation.table)

    retry = client.post(creation.path, json=body, headers=headers)

    assert retry.status_code == 409, retry.text
    assert retry.headers["content-type"] == "application/problem+json"
    assert retry.headers["Retry-After"] == "1"
    assert "still in progress" in retry.json()["detail"]
    assert rows(db, creation.table) == before


def test_an_expired_key_creates_again(
    client: TestClient, db: Session, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "old-1"}
    first = client.post("/api/v1/resources", json=RESOURCE, headers=headers)
    made_at = utcnow() - timedelta(hours=24, seconds=1)
    db.exec(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.key) == "old-1")
        .values(created_at=made_at)
    )

    again = client.post("/api/v1/resources", json=RESOURCE, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]


def test_a_key_kept_for_almost_24_hours_still_replays(
    client: TestClient, db: Session, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "old-2"}
    first = client.post("/api/v1/resources", json=RESOURCE, headers=headers)
    made_at = utcnow() - timedelta(hours=23, minutes=59)
    db.exec(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.key) == "old-2")
        .values(created_at=made_at)
    )

    again = client.post("/api/v1/resources", json=RESOURCE, headers=headers)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


@each_creation
def test_the_api_document_explains_the_key_and_its_answers(
    client: TestClient, creation: Creation
) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][creation.path.removeprefix("/api/v1")]["post"]

    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header"
    assert key["required"] is False
    assert "same key" in key["description"]
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
    assert "Retry-After" in operation["responses"]["409"]["headers"]


def test_a_new_users_password_is_not_kept_even_hashed_in_the_key_record(
    client: TestClient, db: Session, new_caller: Callable[[], Headers]
) -> None:
    headers = new_caller() | {"Idempotency-Key": "user-1"}
    body = new_user_body(db)
    without_password = UserCreate(**body).model_dump_json(exclude={"password"}).encode()

    first = client.post(
        "/api/v1/users", json=body | {"password": "first-password-1"}, headers=headers
    )
    again = client.post(
        "/api/v1/users", json=body | {"password": "other-password-2"}, headers=headers
    )

    record = db.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == "user-1")).one()
    assert record.request_hash == request_fingerprint("POST", "/users", without_password)
    assert first.status_code == 201, first.text
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json()["id"] == first.json()["id"]
