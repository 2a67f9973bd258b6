"""The two public JSON feeds, `GET /api/v1/directory` and `GET /api/v1/directory/hsds`: what
an editor types comes out as the same plain JSON strings (markup, quotes and template braces
included), and a `javascript:` address is never stored. That nothing in them tells of encounters,
supporters, users or counts: tests/web/test_public_outputs.py, with every other public output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid5

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.v1.problems import PROBLEM_MEDIA_TYPE
from domain.codes import Role
from tests.api.conftest import Headers
from tests.factories import make_resource

DIRECTORY = "/api/v1/directory"
HSDS = "/api/v1/directory/hsds"
FEEDS = {DIRECTORY: {"limit": 200}, HSDS: {"per_page": 500}}
NAMESPACE = UUID("3a648097-710c-499f-8025-4ccd3f0cc57f")

HOSTILE_TITLE = "<script>alert(\"t\")</script> {{ 7*7 }} 'Quoted' & <b>bold</b>"
HOSTILE_DESCRIPTION = (
    'Call <a href="javascript:alert(1)">here</a> or {{ config.items() }}; '
    "<img src=x onerror=alert('d')> \"double\" 'single' \\ backslash"
)
HOSTILE_KEYWORDS = ["<script>", "{{ keyword }}", '"quoted"', "javascript:alert(2)"]
HOSTILE_URL = "https://example.org/a?q=<script>&t=\"{{x}}\"&s='y'"
UNSAFE_URLS = (
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.org/file",
)


def hostile_body() -> dict[str, Any]:
    return {
        "title": HOSTILE_TITLE,
        "description": HOSTILE_DESCRIPTION,
        "category": "counseling",
        "keywords": HOSTILE_KEYWORDS,
        "url": HOSTILE_URL,
        "phone": "(555) 555-0100",
        "hours": "{{ hours }} <i>daily</i>",
        "location": "<script>where</script>",
        "published": True,
    }


@pytest.fixture
def editor(headers_for_roles: Callable[..., Headers]) -> Headers:
    return headers_for_roles(Role.resource_editor)


@pytest.fixture
def hostile(client: TestClient, editor: Headers) -> dict[str, Any]:
    """The entry as the API stored it (the URL as pydantic normalized it)."""
    response = client.post("/api/v1/resources", json=hostile_body(), headers=editor)
    assert response.status_code == 201, response.text
    stored: dict[str, Any] = response.json()
    return stored


def feed_bodies(client: TestClient) -> Iterator[tuple[str, str]]:
    for path, params in FEEDS.items():
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        yield path, response.text


def test_the_directory_gives_back_exactly_what_was_typed(
    client: TestClient, hostile: dict[str, Any]
) -> None:
    items = client.get(DIRECTORY, params={"limit": 200}).json()["items"]

    (item,) = [item for item in items if item["id"] == hostile["id"]]
    assert item["title"] == HOSTILE_TITLE
    assert item["description"] == HOSTILE_DESCRIPTION
    assert item["keywords"] == HOSTILE_KEYWORDS
    assert item["url"] == hostile["url"]
    assert item["url"].startswith("https://example.org/a?q=")
    assert item["hours"] == "{{ hours }} <i>daily</i>"


def test_the_hsds_export_gives_back_exactly_what_was_typed(
    client: TestClient, hostile: dict[str, Any]
) -> None:
    contents = client.get(HSDS, params={"per_page": 500}).json()["contents"]

    wanted = str(uuid5(NAMESPACE, f"resource:{hostile['id']}"))
    (service,) = [service for service in contents if service["id"] == wanted]
    assert service["name"] == HOSTILE_TITLE
    assert service["description"] == HOSTILE_DESCRIPTION
    assert service["url"] == hostile["url"]
    assert service["schedules"][0]["description"] == "{{ hours }} <i>daily</i>"
    assert service["service_areas"][0]["name"] == "<script>where</script>"


def test_the_feeds_are_json_that_no_browser_sniffs_as_a_page(
    client: TestClient, hostile: dict[str, Any]
) -> None:
    for path, text in feed_bodies(client):
        assert json.loads(text), path
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_an_address_other_than_http_or_https_is_never_stored(
    client: TestClient, db: Session, editor: Headers, url: str
) -> None:
    created = client.post("/api/v1/resources", json=hostile_body() | {"url": url}, headers=editor)
    entry = make_resource(db, url="https://example.org/")
    changed = client.patch(f"/api/v1/resources/{entry.id}", json={"url": url}, headers=editor)

    for response in (created, changed):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert "url" in [error["field"] for error in response.json()["errors"]]
    db.refresh(entry)
    assert entry.url == "https://example.org/"


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x"])
def test_an_unsafe_address_already_in_the_database_is_left_out_of_both_feeds(
    client: TestClient, db: Session, url: str
) -> None:
    """Written past the API (an old row, a manual fix): no feed sends a link a consumer could
    put in an `href`."""
    entry = make_resource(db, url=url)

    items = client.get(DIRECTORY, params={"limit": 200}).json()["items"]
    contents = client.get(HSDS, params={"per_page": 500}).json()["contents"]

    (item,) = [item for item in items if item["id"] == entry.id]
    (service,) = [s for s in contents if s["id"] == str(uuid5(NAMESPACE, f"resource:{entry.id}"))]
    assert "url" not in service
    assert item["url"] is None
