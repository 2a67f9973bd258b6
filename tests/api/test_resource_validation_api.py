"""The API refuses what the curation pages refuse (issue 9, item 1): the rules live in the
resource schemas, and a refusal names the field at fault."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from domain.codes import Role

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("phone", "call me", "phone"),
        ("phone", "12", "phone"),
        ("text_number", "abc", "text_number"),
        ("url", "javascript:alert(1)", "url"),
        ("url", "data:text/html,hi", "url"),
        ("url", "ftp://files.example.org", "url"),
        ("email", "nobody", "email"),
        ("keywords", ["sleep, insomnia"], "keywords[0]"),
    ],
)
def test_invalid_contact_details_are_a_422_naming_the_field(
    client: TestClient,
    headers_for_roles: Callable[..., dict[str, str]],
    field: str,
    value: object,
    named: str,
) -> None:
    headers = headers_for_roles(Role.resource_editor)
    body = {"title": "Sleep clinic", "category": "wellness", field: value}
    created = client.post("/api/v1/resources", json=body, headers=headers)
    assert created.status_code == 422, created.text
    assert created.headers["content-type"] == PROBLEM
    assert [error["field"] for error in created.json()["errors"]] == [named]
    good = client.post(
        "/api/v1/resources", json={"title": "Sleep clinic", "category": "wellness"}, headers=headers
    )
    assert good.status_code == 201
    changed = client.patch(
        f"/api/v1/resources/{good.json()['id']}", json={field: value}, headers=headers
    )
    assert changed.status_code == 422
    assert [error["field"] for error in changed.json()["errors"]] == [named]


def test_real_numbers_and_web_addresses_are_taken(
    client: TestClient, headers_for_roles: Callable[..., dict[str, str]]
) -> None:
    body = {"title": "Line", "category": "crisis_line", "phone": "1-888-409-0141",
            "text_number": "741741", "url": "https://example.org/line",
            "email": "line@example.org", "keywords": ["EAP", "eap", "sleep"]}  # fmt: skip
    created = client.post(
        "/api/v1/resources", json=body, headers=headers_for_roles(Role.coordinator)
    )
    assert created.status_code == 201, created.text
    assert created.json()["keywords"] == ["EAP", "sleep"]
    assert created.json()["phone"] == "1-888-409-0141"


def test_a_published_crisis_line_without_a_number_is_a_422_naming_phone(
    client: TestClient, headers_for_roles: Callable[..., dict[str, str]]
) -> None:
    headers = headers_for_roles(Role.resource_editor)
    body = {"title": "Night line", "category": "crisis_line", "published": True}
    refused = client.post("/api/v1/resources", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert [error["field"] for error in refused.json()["errors"]] == ["phone"]
    draft = client.post("/api/v1/resources", json=body | {"published": False}, headers=headers)
    assert draft.status_code == 201
    publish = client.patch(
        f"/api/v1/resources/{draft.json()['id']}", json={"published": True}, headers=headers
    )
    assert publish.status_code == 422
