"""Errors are problem details (RFC 9457): `application/problem+json` with type, title, status and
detail, a 422 names every field at fault, and no input, however hostile, gets a 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from domain.audit.models import AuditEvent
from domain.codes import Role
from tests.factories import (
    ENCOUNTER_BODY,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
)

Headers = dict[str, str]
PROBLEM = "application/problem+json"
HUGE = 99999999999999999999


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"]
    assert body["title"]
    assert body["detail"]
    return body


def fields_at_fault(response: Any) -> list[str]:
    return [error["field"] for error in problem(response, 422)["errors"]]


@pytest.fixture
def ids(db: Session) -> dict[str, Any]:
    """One row of each kind, owned by `everyone` where ownership matters."""
    everyone = make_user(db, roles=tuple(Role))
    supporter = make_supporter(db, user=everyone)
    return {
        "everyone": everyone,
        "user": make_user(db).id,
        "supporter": supporter.id,
        "session": make_program_session(db).id,
        "resource": make_resource(db).id,
    }


@pytest.fixture
def headers(ids: dict[str, Any], headers_for_user: Callable[..., Headers]) -> Headers:
    """A person holding every role, with a supporter profile: past every permission check."""
    return headers_for_user(ids["everyone"])


@pytest.fixture
def encounter_id(client: TestClient, headers: Headers) -> int:
    response = client.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=headers)
    assert response.status_code == 201, response.text
    encounter_id: int = response.json()["id"]
    return encounter_id


def test_an_error_is_a_problem_with_type_title_status_and_detail(
    client: TestClient, headers: Headers
) -> None:
    body = problem(client.get("/api/v1/users/424242", headers=headers), 404)

    assert body["type"].startswith("urn:") or body["type"].startswith("http")
    assert body["title"] == "Not found"


def test_a_422_names_every_field_at_fault(client: TestClient, headers: Headers) -> None:
    bad = ENCOUNTER_BODY | {"setting": "moon", "stressors": []}

    response = client.post("/api/v1/encounters", json=bad, headers=headers)

    assert sorted(fields_at_fault(response)) == ["setting", "stressors"]
    assert all(error["message"] for error in response.json()["errors"])


# Every create and update body refuses fields it does not know.
BODIES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "POST",
        "/users",
        {"email": "new@hospital.example.org", "display_name": "N", "roles": ["admin"]},
    ),
    ("PATCH", "/users/{user}", {"display_name": "Renamed"}),
    ("POST", "/supporters", {"user_id": "{user}", "profession_code": "nurse"}),
    ("PATCH", "/supporters/{supporter}", {"available": False}),
    ("POST", "/professions", {"code": "chaplain", "name": "Chaplain"}),
    ("PATCH", "/professions/nurse", {"name": "Nurse"}),
    ("POST", "/org-units", {"name": "ICU", "kind": "unit"}),
    ("PATCH", "/org-units/{org_unit}", {"name": "Cardiology"}),
    ("POST", "/api-clients", {"name": "HR system", "scopes": ["reports:read"]}),
    ("PATCH", "/api-clients/{api_client}", {"scopes": ["reports:read"]}),
    ("POST", "/sessions", {"kind": "debrief", "starts_at": "2026-01-15T17:00:00Z", "topic": "T"}),
    ("PATCH", "/sessions/{session}", {"topic": "Grief"}),
    ("PUT", "/sessions/{session}/attendance/{supporter}", {"status": "attended"}),
    ("POST", "/encounters", ENCOUNTER_BODY),
    ("PATCH", "/encounters/{encounter}", {"setting": "office"}),
    ("POST", "/resources", {"title": "Chaplaincy", "category": "spiritual_care"}),
    ("PATCH", "/resources/{resource}", {"title": "Chaplaincy"}),
    ("PATCH", "/settings", {"program_name": "Peers"}),
]


@pytest.fixture
def every_id(
    client: TestClient, headers: Headers, ids: dict[str, Any], encounter_id: int
) -> dict[str, Any]:
    org_unit = client.post("/api/v1/org-units", json={"name": "U", "kind": "unit"}, headers=headers)
    api_client = client.post(
        "/api/v1/api-clients", json={"name": "S", "scopes": ["audit:read"]}, headers=headers
    )
    return ids | {
        "encounter": encounter_id,
        "org_unit": org_unit.json()["id"],
        "api_client": api_client.json()["id"],
    }


def _filled(value: Any, every_id: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return every_id[value[1:-1]]
    return value


@pytest.mark.parametrize(("method", "path", "body"), BODIES, ids=lambda v: str(v)[:30])
def test_an_unknown_field_in_a_body_is_refused_by_name(
    client: TestClient,
    headers: Headers,
    every_id: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    url = "/api/v1" + path.format(**every_id)
    sent = {name: _filled(value, every_id) for name, value in body.items()} | {"surprise": 1}

    response = client.request(method, url, json=sent, headers=headers)

    assert fields_at_fault(response) == ["surprise"]


def test_a_second_user_with_the_same_email_in_other_case_is_a_conflict(
    client: TestClient, db: Session, headers: Headers
) -> None:
    make_user(db, email="sam.lee@hospital.example.org")
    body = {"email": "Sam.Lee@Hospital.Example.org", "display_name": "Sam", "roles": ["supporter"]}

    problem(client.post("/api/v1/users", json=body, headers=headers), 409)


def test_a_second_profession_with_the_same_code_is_a_conflict(
    client: TestClient, headers: Headers
) -> None:
    body = {"code": "nurse", "name": "Another nurse"}

    problem(client.post("/api/v1/professions", json=body, headers=headers), 409)


def _over_one_mib() -> Iterator[bytes]:
    for _ in range(17):
        yield b" " * 65536  # 17 x 64 KiB, one chunk more than 1 MiB


def test_a_body_over_1_mib_is_a_413_problem_with_content_length(
    client: TestClient, headers: Headers
) -> None:
    response = client.post(
        "/api/v1/professions",
        content=b" " * (1024 * 1024 + 1),
        headers=headers | {"content-type": "application/json"},
    )

    problem(response, 413)


def test_a_body_over_1_mib_is_a_413_problem_without_content_length(
    client: TestClient, headers: Headers
) -> None:
    response = client.post(
        "/api/v1/professions",
        content=_over_one_mib(),
        headers=headers | {"content-type": "application/json"},
    )

    problem(response, 413)


def test_an_unknown_path_under_the_api_is_a_404_problem(client: TestClient) -> None:
    problem(client.get("/api/v1/no-such-list"), 404)
    problem(client.post("/api/v1/encounters/1/archive"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/424242"),
        ("GET", "/supporters/424242"),
        ("GET", "/org-units/424242"),
        ("GET", "/sessions/424242"),
        ("GET", "/encounters/424242"),
        ("GET", "/resources/424242"),
        ("GET", "/api-clients/424242"),
        ("PATCH", "/professions/no_such_code"),
        ("DELETE", "/resources/424242"),
    ],
)
def test_an_unknown_id_is_a_404_problem(
    client: TestClient, headers: Headers, method: str, path: str
) -> None:
    body = {"name": "x"} if method == "PATCH" else None

    problem(client.request(method, f"/api/v1{path}", json=body, headers=headers), 404)


def test_malformed_json_is_a_422_problem(client: TestClient, headers: Headers) -> None:
    response = client.post(
        "/api/v1/professions",
        content=b'{"code": "chaplain", "name": ',
        headers=headers | {"content-type": "application/json"},
    )

    assert fields_at_fault(response) == ["body"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/supporters", {"org_unit": "cardiology"}, "org_unit"),
        ("/supporters", {"status": "retired"}, "status"),
        ("/sessions", {"from": "yesterday"}, "from"),
        ("/sessions", {"kind": "party"}, "kind"),
        ("/encounters", {"before": "2026-02-30"}, "before"),
        ("/resources", {"category": "spa"}, "category"),
        ("/users", {"limit": "ten"}, "limit"),
        ("/professions", {"include_inactive": "perhaps"}, "include_inactive"),
    ],
)
def test_a_query_parameter_of_the_wrong_type_is_a_422_naming_it(
    client: TestClient, headers: Headers, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(f"/api/v1{path}", params=params, headers=headers)

    assert fields_at_fault(response) == [field]


HOSTILE: list[tuple[str, str, Any]] = [
    ("GET", f"/users/{HUGE}", None),
    ("GET", f"/encounters/{HUGE}", None),
    ("PATCH", f"/resources/{HUGE}", {"title": "x"}),
    ("DELETE", f"/sessions/{HUGE}", None),
    ("PUT", f"/sessions/{HUGE}/attendance/{HUGE}", {"status": "attended"}),
    ("GET", "/org-units/2147483648", None),
    ("GET", "/supporters/-1", None),
    ("GET", "/api-clients/0", None),
    ("GET", f"/supporters?org_unit={HUGE}", None),
    ("POST", "/supporters", {"user_id": HUGE, "profession_code": "nurse"}),
    ("POST", "/org-units", {"name": "Unit", "kind": "unit", "parent_id": HUGE}),
    (
        "POST",
        "/sessions",
        {
            "kind": "debrief",
            "starts_at": "2026-01-15T17:00:00Z",
            "topic": "T",
            "facilitator_id": HUGE,
        },
    ),
    ("POST", "/encounters", ENCOUNTER_BODY | {"resources_shared": [HUGE]}),
    ("PATCH", "/professions/ñandú", {"name": "x"}),
    ("POST", "/professions", {"code": "chaplain", "name": "Chap\u0000lain"}),
    ("POST", "/resources", {"title": "🧘 Calm", "category": "wellness", "audiences": ["nu\u0000"]}),
    (
        "POST",
        "/users",
        {"email": "zoë@hôpital.example.org", "display_name": "Zoë 🩺", "roles": ["supporter"]},
    ),
    ("GET", "/resources?q=%F0%9F%A7%98%00", None),
    ("GET", "/directory?audience=nurse%00", None),
    ("GET", "/supporters?profession=%00", None),
    ("GET", "/audit-events?action=%E2%80%AE%00", None),
    ("PATCH", "/users/{user}", {"display_name": None}),
    ("PATCH", "/supporters/{supporter}", {"status": None}),
    ("PATCH", "/encounters/{encounter}", {"stressors": None}),
    ("PATCH", "/resources/{resource}", {"published": None}),
    ("PATCH", "/sessions/{session}", {"starts_at": None}),
    ("PATCH", "/professions/nurse", {"active": None}),
    ("PATCH", "/settings", {"program_name": None}),
    ("POST", "/encounters", ENCOUNTER_BODY | {"occurred_on": "2026-02-30"}),
    ("POST", "/resources", {"title": "T", "category": "legal", "last_reviewed_on": "2026-02-30"}),
    ("POST", "/sessions", {"kind": "debrief", "starts_at": "2026-02-30T17:00:00Z", "topic": "T"}),
    (
        "POST",
        "/sessions",
        {"kind": "debrief", "starts_at": "9999-12-31T23:59:59-12:00", "topic": "T"},
    ),
    ("GET", "/sessions?from=2026-02-30", None),
    ("GET", "/reports/encounters?from=2026-02-30&to=2026-03&dimension=setting", None),
]


def test_the_token_endpoint_answers_an_empty_request_in_oauth_terms(client: TestClient) -> None:
    """OAuth clients read RFC 6749 errors, so the token endpoint does not use problem details."""
    response = client.post("/api/v1/auth/token")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(("method", "path", "body"), HOSTILE, ids=lambda v: str(v)[:40])
def test_no_input_gets_a_server_error(
    client: TestClient,
    headers: Headers,
    every_id: dict[str, Any],
    method: str,
    path: str,
    body: Any,
) -> None:
    response = client.request(
        method, "/api/v1" + path.format(**every_id), json=body, headers=headers
    )

    assert response.status_code < 500
    if response.status_code >= 400:
        problem(response, response.status_code)


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "username": "a\u0000@b.org", "password": "x" * 16},
        {"grant_type": "client_credentials", "client_id": "\u0000", "client_secret": "x" * 16},
        {"grant_type": "password", "username": "ünï@b.org", "password": "🔑" * 16},
    ],
)
def test_no_token_request_gets_a_server_error(client: TestClient, form: dict[str, str]) -> None:
    response = client.post("/api/v1/auth/token", data=form)

    assert 400 <= response.status_code < 500


# Invisible text-direction characters (a right-to-left override shows "555-0199" reversed).

RLO, RLM = "\u202e", "\u200f"
DIRECTION_MESSAGE = (
    "remove invisible text-direction characters (such as a right-to-left override) from this text"
)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/resources", {"title": f"Calm {RLO}line", "category": "wellness"}, "title"),
        ("POST", "/resources", {"title": "Calm", "category": "eap", "phone": f"{RLO}555"}, "phone"),
        ("PATCH", "/resources/{resource}", {"title": f"{RLM}Calm"}, "title"),
        ("POST", "/org-units", {"name": f"Unit{RLO}", "kind": "unit"}, "name"),
        ("POST", "/professions", {"code": "chaplain", "name": f"Chap{RLO}lain"}, "name"),
        ("PATCH", "/users/{user}", {"display_name": f"Sam {RLO}Lee"}, "display_name"),
        ("PATCH", "/settings", {"program_name": f"{RLO}Care"}, "program_name"),
    ],
)
def test_a_direction_control_in_a_name_or_title_is_a_422_naming_the_field(
    client: TestClient,
    headers: Headers,
    ids: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.request(method, "/api/v1" + path.format(**ids), json=body, headers=headers)

    errors = problem(response, 422)["errors"]
    assert {"field": field, "message": DIRECTION_MESSAGE} in errors


@pytest.mark.parametrize("query", [f"q=Calm{RLO}", f"q={RLM}", "q=\u2066x\u2069"])
def test_a_direction_control_in_a_query_parameter_is_a_422_naming_it(
    client: TestClient, headers: Headers, query: str
) -> None:
    response = client.get(f"/api/v1/resources?{query}", headers=headers)

    errors = problem(response, 422)["errors"]
    assert errors == [{"field": "q", "message": DIRECTION_MESSAGE.capitalize() + "."}]


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "username": f"sam{RLO}@b.org", "password": "x" * 16},
        {"grant_type": "client_credentials", "client_id": f"{RLM}abc", "client_secret": "x" * 16},
    ],
)
def test_the_token_endpoint_refuses_direction_controls(
    client: TestClient, form: dict[str, str]
) -> None:
    response = client.post("/api/v1/auth/token", data=form)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Remove control characters from the fields.",
    }


@pytest.mark.parametrize("roles", [(Role.coordinator,), (Role.report_viewer,)])
def test_a_nul_in_a_path_is_never_a_500(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers], roles: tuple[Role]
) -> None:
    """PostgreSQL refuses NUL in text: the coordinator's lookup answers 422 there (404 on
    SQLite); the report viewer's refusal is audited without the caller's garbled path."""
    answer = client.patch(
        "/api/v1/professions/a%00b%E2%80%AE", json={"name": "X"}, headers=headers_for_roles(*roles)
    )
    assert answer.status_code in {403, 404, 422}
    assert answer.headers["content-type"] == "application/problem+json"
    for event in db.exec(select(AuditEvent)).all():
        assert "\x00" not in (event.object_id or "")
