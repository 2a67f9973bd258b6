"""Object-level access: a caller reaches only the objects in their reach, and an object outside it
answers 404 exactly as an unknown id does (never revealing that it exists). Update bodies cannot
set what the caller may not set: unknown fields are refused with 422 naming the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.v1.problems import PROBLEM_MEDIA_TYPE
from domain.actors import Actor
from domain.api_clients.models import ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.codes import ApiScope, Role, SupporterStatus
from domain.encounters.models import Encounter
from domain.encounters.service import log_encounter
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.api.conftest import Headers
from tests.factories import (
    encounter_data,
    make_org_unit,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)

API = "/api/v1"
UNKNOWN = 999_999_999


@pytest.fixture
def headers_of_supporter(
    db: Session, headers_for_user: Callable[[User], Headers]
) -> Callable[[Supporter], Headers]:
    def make(supporter: Supporter) -> Headers:
        user = db.get(User, supporter.user_id)
        assert user is not None
        return headers_for_user(user)

    return make


def log(db: Session, supporter: Supporter, **overrides: Any) -> Encounter:
    data = encounter_data(**overrides)
    encounter = log_encounter(session=db, actor=supporter_actor(db, supporter), data=data).encounter
    assert encounter.id is not None
    return encounter


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def refused_fields(response: Any) -> list[str]:
    body = assert_problem(response, 422)
    return [error["field"] for error in body["errors"]]


# One supporter never reaches another's encounters


def test_a_supporter_cannot_read_change_or_delete_anothers_encounter(
    client: TestClient, db: Session, headers_of_supporter: Callable[[Supporter], Headers]
) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    encounter = log(db, theirs)
    me = headers_of_supporter(mine)
    url = f"{API}/encounters/{encounter.id}"
    unknown = assert_problem(client.get(f"{API}/encounters/{UNKNOWN}", headers=me), 404)

    for response in (
        client.get(url, headers=me),
        client.patch(url, json={"setting": "icu"}, headers=me),
        client.delete(url, headers=me),
    ):
        body = assert_problem(response, 404)
        # Exactly the answer for an id that does not exist.
        assert body["detail"].replace(str(encounter.id), "N") == unknown["detail"].replace(
            str(UNKNOWN), "N"
        )
    untouched = client.get(url, headers=headers_of_supporter(theirs))
    assert untouched.status_code == 200
    assert untouched.json()["setting"] == "inpatient_unit"


def test_a_supporters_list_shows_none_of_anothers_encounters(
    client: TestClient, db: Session, headers_of_supporter: Callable[[Supporter], Headers]
) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    own = [log(db, mine).id, log(db, mine).id]
    log(db, theirs)
    log(db, theirs)
    listed = client.get(f"{API}/encounters", headers=headers_of_supporter(mine))
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == list(reversed(own))
    assert {item["supporter_id"] for item in listed.json()["items"]} == {mine.id}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_coordinators_read_every_encounter_but_change_none(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    method: str,
) -> None:
    encounter = log(db, make_supporter(db))
    coordinator = headers_for_roles(Role.coordinator)
    body = {"setting": "icu"} if method == "PATCH" else None
    response = client.request(
        method, f"{API}/encounters/{encounter.id}", json=body, headers=coordinator
    )
    if method == "GET":
        assert response.status_code == 200
    else:
        assert_problem(response, 403)
    unknown = client.request(method, f"{API}/encounters/{UNKNOWN}", json=body, headers=coordinator)
    assert_problem(unknown, 404)


# Encounter rows go to the supporter who logged them and to coordinators, nobody else


def test_an_admin_alone_is_refused_every_encounter_row(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    encounter = log(db, make_supporter(db))
    admin = headers_for_roles(Role.admin)
    listed = assert_problem(client.get(f"{API}/encounters", headers=admin), 403)
    assert "supporter_id" not in str(listed)
    assert_problem(client.get(f"{API}/encounters/{encounter.id}", headers=admin), 403)
    # Refused alike whether the encounter exists or not: existence is not revealed either.
    assert_problem(client.get(f"{API}/encounters/{UNKNOWN}", headers=admin), 403)


def test_a_coordinator_still_reads_every_encounter_row(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    encounter = log(db, make_supporter(db))
    coordinator = headers_for_roles(Role.coordinator)
    listed = client.get(f"{API}/encounters", headers=coordinator)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [encounter.id]
    read = client.get(f"{API}/encounters/{encounter.id}", headers=coordinator)
    assert read.status_code == 200, read.text
    assert read.json()["supporter_id"] == encounter.supporter_id


def test_an_admin_who_is_also_a_supporter_sees_only_their_own_log(
    client: TestClient,
    db: Session,
    headers_of_supporter: Callable[[Supporter], Headers],
) -> None:
    user = make_user(db, roles=(Role.admin, Role.supporter))
    mine = make_supporter(db, user=user)
    own = log(db, mine)
    theirs = log(db, make_supporter(db))
    me = headers_of_supporter(mine)
    listed = client.get(f"{API}/encounters", headers=me)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [own.id]
    assert client.get(f"{API}/encounters/{own.id}", headers=me).status_code == 200
    assert_problem(client.get(f"{API}/encounters/{theirs.id}", headers=me), 404)


# Supporter profiles


def test_a_supporter_cannot_read_or_change_anothers_profile(
    client: TestClient, db: Session, headers_of_supporter: Callable[[Supporter], Headers]
) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    me = headers_of_supporter(mine)
    url = f"{API}/supporters/{theirs.id}"
    assert_problem(client.get(url, headers=me), 404)
    assert_problem(client.patch(url, json={"available": False}, headers=me), 404)
    db.refresh(theirs)
    assert theirs.available is True


def test_a_supporter_changes_their_own_availability(
    client: TestClient, db: Session, headers_of_supporter: Callable[[Supporter], Headers]
) -> None:
    mine = make_supporter(db)
    url = f"{API}/supporters/{mine.id}"
    me = headers_of_supporter(mine)
    assert client.get(url, headers=me).status_code == 200
    changed = client.patch(url, json={"available": False}, headers=me)
    assert changed.status_code == 200, changed.text
    assert changed.json()["available"] is False


@pytest.mark.parametrize(
    "values",
    [
        {"status": "paused"},
        {"max_encounters_per_month": 30},
        {"needs_refresher": False},
        {"profession_code": "physician"},
        {"org_unit_id": None},
        {"available": True, "trained_on": "2026-01-05"},
    ],
)
def test_a_supporter_changes_nothing_else_on_their_own_profile(
    client: TestClient,
    db: Session,
    headers_of_supporter: Callable[[Supporter], Headers],
    values: dict[str, Any],
) -> None:
    mine = make_supporter(db)
    response = client.patch(
        f"{API}/supporters/{mine.id}", json=values, headers=headers_of_supporter(mine)
    )
    assert_problem(response, 403)
    db.refresh(mine)
    assert (mine.status, mine.max_encounters_per_month) == (SupporterStatus.active, 8)


def test_a_roster_reader_cannot_change_a_profile(
    client: TestClient, db: Session, headers_for_scopes: Callable[..., Headers]
) -> None:
    supporter = make_supporter(db)
    reader = headers_for_scopes(ApiScope.roster_read)
    url = f"{API}/supporters/{supporter.id}"
    assert client.get(url, headers=reader).status_code == 200
    assert_problem(client.patch(url, json={"available": False}, headers=reader), 403)
    db.refresh(supporter)
    assert supporter.available is True


# Users and API clients


@pytest.mark.parametrize(
    "roles", [(Role.coordinator,), (Role.supporter,), (Role.report_viewer,), ()], ids=str
)
def test_a_non_admin_reads_only_themselves(
    client: TestClient,
    db: Session,
    headers_for_user: Callable[[User], Headers],
    roles: tuple[Role, ...],
) -> None:
    me, other = make_user(db, roles=roles), make_user(db, roles=(Role.admin,))
    headers = headers_for_user(me)
    assert client.get(f"{API}/users/{me.id}", headers=headers).status_code == 200
    assert_problem(client.get(f"{API}/users/{other.id}", headers=headers), 404)
    # Nobody but an admin changes a user, themselves included: no role can be self-granted.
    grant = client.patch(f"{API}/users/{me.id}", json={"roles": ["admin"]}, headers=headers)
    assert_problem(grant, 403)
    db.refresh(me)
    assert me.roles == frozenset(roles)


def test_an_api_client_reaches_no_user(
    client: TestClient, db: Session, headers_for_scopes: Callable[..., Headers]
) -> None:
    every_scope = headers_for_scopes(*ApiScope)
    assert_problem(client.get(f"{API}/users/{make_user(db).id}", headers=every_scope), 404)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("known", [True, False], ids=["existing", "unknown"])
def test_api_clients_are_for_admins_only(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    headers_for_scopes: Callable[..., Headers],
    method: str,
    known: bool,
) -> None:
    """403 whether or not the id exists: nothing is revealed to those who may not manage them."""
    api_client, _ = create_api_client(
        session=db,
        actor=Actor.operator("test"),
        data=ApiClientCreate(name="hospital system", scopes=[ApiScope.reports_read]),
    )
    url = f"{API}/api-clients/{api_client.id if known else UNKNOWN}"
    body = {"scopes": ["audit:read"]} if method == "PATCH" else None
    callers = [headers_for_roles(role) for role in Role if role != Role.admin]
    for headers in [*callers, headers_for_roles(), headers_for_scopes(*ApiScope)]:
        assert_problem(client.request(method, url, json=body, headers=headers), 403)
    assert api_client.active
    assert api_client.scopes == {ApiScope.reports_read}


# Sessions: attendance


@pytest.mark.parametrize("caller", ["coordinator", "sessions:write"])
def test_attendance_for_an_unknown_session_or_supporter_is_not_found(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    headers_for_scopes: Callable[..., Headers],
    caller: str,
) -> None:
    headers = (
        headers_for_roles(Role.coordinator)
        if caller == "coordinator"
        else headers_for_scopes(ApiScope.sessions_write)
    )
    held, supporter = make_program_session(db), make_supporter(db)
    attended = {"status": "attended"}
    for session_id, supporter_id in ((held.id, UNKNOWN), (UNKNOWN, supporter.id)):
        url = f"{API}/sessions/{session_id}/attendance/{supporter_id}"
        assert_problem(client.put(url, json=attended, headers=headers), 404)
    recorded = client.put(
        f"{API}/sessions/{held.id}/attendance/{supporter.id}", json=attended, headers=headers
    )
    assert recorded.status_code == 200, recorded.text


# Resources: drafts


def test_drafts_are_invisible_to_everyone_but_resource_editors(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    headers_for_scopes: Callable[..., Headers],
) -> None:
    draft = make_resource(db, published=False)
    url = f"{API}/resources/{draft.id}"
    outsiders = [
        headers_for_roles(Role.admin),
        headers_for_roles(Role.supporter),
        headers_for_roles(Role.report_viewer),
        headers_for_roles(),
        headers_for_scopes(ApiScope.reports_read, ApiScope.roster_read),
    ]
    for headers in outsiders:
        assert_problem(client.get(url, headers=headers), 404)
        listed = client.get(f"{API}/resources", headers=headers).json()["items"]
        assert draft.id not in {item["id"] for item in listed}
        everything = client.get(
            f"{API}/resources", params={"include_unpublished": "true"}, headers=headers
        )
        assert_problem(everything, 403)
    editors = [
        headers_for_roles(Role.resource_editor),
        headers_for_roles(Role.coordinator),
        headers_for_scopes(ApiScope.resources_read),
        headers_for_scopes(ApiScope.resources_write),
    ]
    for headers in editors:
        assert client.get(url, headers=headers).status_code == 200


# Unknown ids: 404 problem details on every route that takes one

# (operation, who may use it, body): the caller is one allowed to use the route, so the only
# reason for the refusal is the unknown id.
UNKNOWN_ID_CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("PATCH /professions/{code}", "coordinator", {"name": "Nobody"}),
    ("GET /org-units/{org_unit_id}", "coordinator", None),
    ("PATCH /org-units/{org_unit_id}", "coordinator", {"name": "Nowhere"}),
    ("GET /users/{user_id}", "admin", None),
    ("PATCH /users/{user_id}", "admin", {"display_name": "Nobody"}),
    ("GET /supporters/{supporter_id}", "coordinator", None),
    ("PATCH /supporters/{supporter_id}", "coordinator", {"available": False}),
    ("GET /api-clients/{api_client_id}", "admin", None),
    ("PATCH /api-clients/{api_client_id}", "admin", {"scopes": ["reports:read"]}),
    ("DELETE /api-clients/{api_client_id}", "admin", None),
    ("GET /sessions/{session_id}", "coordinator", None),
    ("PATCH /sessions/{session_id}", "coordinator", {"topic": "Nothing"}),
    ("DELETE /sessions/{session_id}", "coordinator", None),
    ("PUT /sessions/{session_id}/attendance/{supporter_id}", "coordinator", {"status": "absent"}),
    ("GET /encounters/{encounter_id}", "coordinator", None),
    ("GET /encounters/{encounter_id}", "supporter", None),
    ("PATCH /encounters/{encounter_id}", "supporter", {"setting": "icu"}),
    ("DELETE /encounters/{encounter_id}", "supporter", None),
    ("GET /resources/{resource_id}", "resource_editor", None),
    ("PATCH /resources/{resource_id}", "resource_editor", {"title": "Nothing"}),
    ("DELETE /resources/{resource_id}", "resource_editor", None),
    ("PATCH /debrief-requests/{request_id}", "coordinator", {"status": "done"}),
]


def test_every_route_with_an_id_has_an_unknown_id_case(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    with_ids = {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if "{" in path
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert with_ids == {operation for operation, _, _ in UNKNOWN_ID_CASES}


@pytest.mark.parametrize(
    ("operation", "caller", "body"),
    UNKNOWN_ID_CASES,
    ids=[f"{operation} as {caller}" for operation, caller, _ in UNKNOWN_ID_CASES],
)
def test_an_unknown_id_is_a_404_problem(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    headers_of_supporter: Callable[[Supporter], Headers],
    operation: str,
    caller: str,
    body: dict[str, Any] | None,
) -> None:
    headers = (
        headers_of_supporter(make_supporter(db))
        if caller == "supporter"
        else headers_for_roles(Role(caller))
    )
    method, template = operation.split(" ", 1)
    if template.endswith("/attendance/{supporter_id}"):  # an unknown session, a known supporter
        template = template.replace("{supporter_id}", str(make_supporter(db).id))
    path = re.sub(r"\{[a-z_]+\}", str(UNKNOWN), template.replace("{code}", "no_such_code"))
    assert_problem(client.request(method, f"{API}{path}", json=body, headers=headers), 404)


# Update bodies set only what the caller may set


def test_an_encounter_update_cannot_set_derived_or_owning_fields(
    client: TestClient, db: Session, headers_of_supporter: Callable[[Supporter], Headers]
) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    encounter = log(
        db, mine, peer_profession="nurse"
    )  # a nurse with a nurse: not interprofessional
    url = f"{API}/encounters/{encounter.id}"
    me = headers_of_supporter(mine)
    attempts: list[tuple[dict[str, Any], str]] = [
        ({"interprofessional": True}, "interprofessional"),
        ({"supporter_id": theirs.id}, "supporter_id"),
        ({"id": UNKNOWN}, "id"),
        ({"logged_at": "2020-01-01T00:00:00Z"}, "logged_at"),
        ({"setting": "icu", "interprofessional": True}, "interprofessional"),
    ]
    for values, field in attempts:
        assert field in refused_fields(client.patch(url, json=values, headers=me)), values
    shown = client.get(url, headers=me).json()
    assert (shown["interprofessional"], shown["supporter_id"]) == (False, mine.id)
    assert shown["setting"] == "inpatient_unit"


@pytest.mark.parametrize("field", ["interprofessional", "supporter_id", "id"])
def test_a_new_encounter_cannot_carry_derived_or_owning_fields(
    client: TestClient,
    db: Session,
    headers_of_supporter: Callable[[Supporter], Headers],
    field: str,
) -> None:
    mine, theirs = make_supporter(db), make_supporter(db)
    body = encounter_data().model_dump(mode="json") | {
        field: {"interprofessional": False, "supporter_id": theirs.id, "id": 1}[field]
    }
    response = client.post(f"{API}/encounters", json=body, headers=headers_of_supporter(mine))
    assert refused_fields(response) == [field]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"user_id": 5}, "user_id"),
        ({"id": 5}, "id"),
        ({"roles": ["coordinator"]}, "roles"),
        ({"available": False, "user_id": 5}, "user_id"),
    ],
)
@pytest.mark.parametrize("caller", ["coordinator", "the supporter"])
def test_a_profile_update_cannot_set_its_user_id_or_roles(
    client: TestClient,
    db: Session,
    headers_for_roles: Callable[..., Headers],
    headers_of_supporter: Callable[[Supporter], Headers],
    values: dict[str, Any],
    field: str,
    caller: str,
) -> None:
    supporter = make_supporter(db)
    user_id = supporter.user_id
    headers = (
        headers_for_roles(Role.coordinator)
        if caller == "coordinator"
        else headers_of_supporter(supporter)
    )
    response = client.patch(f"{API}/supporters/{supporter.id}", json=values, headers=headers)
    assert refused_fields(response) == [field]
    db.refresh(supporter)
    assert (supporter.user_id, supporter.available) == (user_id, True)


# (operation, the object's id, caller, body): an update that names a field its schema lacks.
def _update_cases(db: Session) -> list[tuple[str, str, dict[str, Any], str]]:
    program_session = make_program_session(db)
    return [
        (f"/users/{make_user(db).id}", "admin", {"id": 1}, "id"),
        (f"/users/{make_user(db).id}", "admin", {"email": "new@hospital.example.org"}, "email"),
        (f"/org-units/{make_org_unit(db).id}", "coordinator", {"id": 1}, "id"),
        ("/professions/nurse", "coordinator", {"code": "registered_nurse"}, "code"),
        (f"/sessions/{program_session.id}", "coordinator", {"id": 1}, "id"),
        (f"/resources/{make_resource(db).id}", "resource_editor", {"id": 1}, "id"),
        ("/settings", "admin", {"id": 2}, "id"),
    ]


def test_other_updates_refuse_fields_they_do_not_have(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    for path, role, values, field in _update_cases(db):
        response = client.patch(f"{API}{path}", json=values, headers=headers_for_roles(Role(role)))
        assert refused_fields(response) == [field], path
    api_client, _ = create_api_client(
        session=db,
        actor=Actor.operator("test"),
        data=ApiClientCreate(name="hospital system", scopes=[ApiScope.reports_read]),
    )
    admin = headers_for_roles(Role.admin)
    response = client.patch(
        f"{API}/api-clients/{api_client.id}",
        json={"scopes": ["audit:read"], "client_id": "psc_mine"},
        headers=admin,
    )
    assert refused_fields(response) == ["client_id"]
    attendance = client.put(
        f"{API}/sessions/{make_program_session(db).id}/attendance/{make_supporter(db).id}",
        json={"status": "attended", "supporter_id": 1},
        headers=admin,
    )
    assert refused_fields(attendance) == ["supporter_id"]
