"""GET /debrief-requests and PATCH /debrief-requests/{id}: coordinators signed in as
themselves only; API clients never, whatever their scopes; problem details for bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.v1.problems import PROBLEM_MEDIA_TYPE
from domain.codes import ApiScope, Role
from domain.debriefs.models import DebriefRequest, DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.api.conftest import Headers
from tests.factories import (
    events_after,
    last_event_id,
    make_supporter,
    make_user,
    supporter_actor,
)

ALL_SCOPES = tuple(ApiScope)


def asked(db: Session, name: str = "Sam Lee") -> DebriefRequest:
    user = make_user(db, roles=(Role.supporter,), display_name=name)
    supporter = make_supporter(db, user=user)
    return request_debrief(
        session=db, actor=supporter_actor(db, supporter), urgency=DebriefUrgency.today
    )


@pytest.fixture
def coordinator(db: Session) -> User:
    return make_user(db, roles=(Role.coordinator,), display_name="Casey Coordinator")


@pytest.fixture
def headers(coordinator: User, headers_for_user: Callable[[User], Headers]) -> Headers:
    return headers_for_user(coordinator)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    return body


def test_a_coordinator_lists_open_requests_with_names(
    client: TestClient, db: Session, headers: Headers
) -> None:
    first, second = asked(db, "Sam Lee"), asked(db, "Ana Ruiz")
    answer = client.get("/api/v1/debrief-requests", params={"status": "open"}, headers=headers)
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [(i["id"], i["supporter_name"], i["status"]) for i in items] == [
        (first.id, "Sam Lee", "open"),
        (second.id, "Ana Ruiz", "open"),
    ]
    assert items[0]["urgency"] == "today"
    assert items[0]["assigned_to_user_id"] is None


def test_the_list_is_paginated(client: TestClient, db: Session, headers: Headers) -> None:
    made = [asked(db) for _ in range(3)]
    first = client.get(
        "/api/v1/debrief-requests", params={"status": "open", "limit": 2}, headers=headers
    ).json()
    assert [i["id"] for i in first["items"]] == [r.id for r in made[:2]]
    rest = client.get(
        "/api/v1/debrief-requests",
        params={"status": "open", "limit": 2, "cursor": first["next"]},
        headers=headers,
    ).json()
    assert [i["id"] for i in rest["items"]] == [made[2].id]
    assert rest["next"] is None


def test_assign_then_mark_done(
    client: TestClient, db: Session, headers: Headers, coordinator: User
) -> None:
    request = asked(db)
    path = f"/api/v1/debrief-requests/{request.id}"
    assigned = client.patch(path, json={"assigned_to_user_id": coordinator.id}, headers=headers)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assigned_to_name"] == "Casey Coordinator"
    done = client.patch(path, json={"status": "done"}, headers=headers)
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["closed_by_user_id"] == coordinator.id
    assert client.patch(path, json={"status": "done"}, headers=headers).status_code == 200
    late = client.patch(path, json={"assigned_to_user_id": coordinator.id}, headers=headers)
    assert "done already" in problem(late, 409)["detail"]
    listed = client.get("/api/v1/debrief-requests", params={"status": "done"}, headers=headers)
    assert [i["id"] for i in listed.json()["items"]] == [request.id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "open"}, "status"),
        ({"assigned_to_user_id": "someone"}, "assigned_to_user_id"),
        ({"assigned_to_user_id": 0}, "assigned_to_user_id"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, db: Session, headers: Headers, body: dict[str, Any], field: str
) -> None:
    request = asked(db)
    answer = client.patch(f"/api/v1/debrief-requests/{request.id}", json=body, headers=headers)
    assert [error["field"] for error in problem(answer, 422)["errors"]] == [field]


def test_an_empty_change_is_a_422_and_names_nobody(
    client: TestClient, db: Session, headers: Headers
) -> None:
    request = asked(db)
    before = last_event_id(db)
    answer = client.patch(f"/api/v1/debrief-requests/{request.id}", json={}, headers=headers)
    body = problem(answer, 422)
    assert "assigned_to_user_id" in str(body)
    assert "supporter_name" not in answer.text
    assert events_after(db, before) == []


def test_a_trainer_who_is_not_a_coordinator_is_a_422(
    client: TestClient, db: Session, headers: Headers
) -> None:
    request = asked(db)
    supporter_user = make_user(db, roles=(Role.supporter,))
    answer = client.patch(
        f"/api/v1/debrief-requests/{request.id}",
        json={"assigned_to_user_id": supporter_user.id},
        headers=headers,
    )
    assert "coordinator role" in problem(answer, 422)["detail"]


def test_an_unknown_request_is_a_404(client: TestClient, headers: Headers) -> None:
    answer = client.patch("/api/v1/debrief-requests/999999", json={"status": "done"},
                          headers=headers)  # fmt: skip
    problem(answer, 404)


def test_a_bad_status_filter_is_a_422(client: TestClient, headers: Headers) -> None:
    answer = client.get("/api/v1/debrief-requests", params={"status": "assigned"}, headers=headers)
    problem(answer, 422)


@pytest.mark.parametrize("roles", [(Role.supporter,), (Role.admin,), (Role.report_viewer,)])
def test_people_without_the_coordinator_role_are_refused(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    roles: tuple[Role, ...],
) -> None:
    request = asked(db)
    headers = headers_for_roles(*roles)
    problem(client.get("/api/v1/debrief-requests", headers=headers), 403)
    answer = client.patch(
        f"/api/v1/debrief-requests/{request.id}", json={"status": "done"}, headers=headers
    )
    problem(answer, 403)


def test_the_asking_supporter_is_refused_too(
    client: TestClient, db: Session, headers_for_user: Callable[[User], Headers]
) -> None:
    request = asked(db)
    supporter = db.get(Supporter, request.supporter_id)
    asker = db.get(User, supporter.user_id if supporter else None)
    assert asker is not None
    headers = headers_for_user(asker)
    problem(client.get("/api/v1/debrief-requests", headers=headers), 403)
    answer = client.patch(
        f"/api/v1/debrief-requests/{request.id}", json={"status": "done"}, headers=headers
    )
    problem(answer, 403)


def test_an_api_client_with_every_scope_is_refused(
    client: TestClient, db: Session, headers_for_scopes: Callable[..., Headers]
) -> None:
    request = asked(db)
    headers = headers_for_scopes(*ALL_SCOPES)
    problem(client.get("/api/v1/debrief-requests", headers=headers), 403)
    answer = client.patch(
        f"/api/v1/debrief-requests/{request.id}", json={"status": "done"}, headers=headers
    )
    problem(answer, 403)
    db.refresh(request)
    assert request.status == "open"
