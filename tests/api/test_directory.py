"""The public directory: published resources only, readable without sign-in from any origin,
cacheable for five minutes with an ETag, filtered by category, audience and text."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import ResourceCategory
from domain.resources.models import ResourceAudience
from tests.factories import make_resource

DIRECTORY = "/api/v1/directory"


def listed(client: TestClient, **params: Any) -> set[int]:
    response = client.get(DIRECTORY, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_it_answers_without_sign_in(client: TestClient) -> None:
    response = client.get(DIRECTORY)

    assert response.status_code == 200
    assert response.json()["items"]  # the seeded national entries


def test_it_lists_only_published_resources(client: TestClient, db: Session) -> None:
    published = make_resource(db, published=True)
    draft = make_resource(db, published=False)

    ids = listed(client)

    assert published.id in ids
    assert draft.id not in ids
    assert all(item["published"] for item in client.get(DIRECTORY).json()["items"])


def test_any_origin_may_read_it(client: TestClient) -> None:
    response = client.get(DIRECTORY, headers={"Origin": "https://intranet.example.org"})

    assert response.headers["access-control-allow-origin"] == "*"


def test_it_may_be_cached_publicly_for_five_minutes(client: TestClient) -> None:
    assert client.get(DIRECTORY).headers["cache-control"] == "public, max-age=300"


def test_if_none_match_with_its_etag_answers_304_without_a_body(client: TestClient) -> None:
    etag = client.get(DIRECTORY).headers["etag"]

    response = client.get(DIRECTORY, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


def test_publishing_a_resource_changes_the_etag(client: TestClient, db: Session) -> None:
    draft = make_resource(db, published=False)
    before = client.get(DIRECTORY).headers["etag"]

    draft.published = True
    db.add(draft)
    db.flush()
    response = client.get(DIRECTORY, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response.headers["etag"] != before
    assert draft.id in {item["id"] for item in response.json()["items"]}


def test_it_filters_by_category(client: TestClient, db: Session) -> None:
    legal = make_resource(db, category=ResourceCategory.legal)
    make_resource(db, category=ResourceCategory.financial)

    assert listed(client, category="legal") == {legal.id}


def test_an_audience_gets_entries_for_everyone_and_for_its_profession(
    client: TestClient, db: Session
) -> None:
    for_everyone = make_resource(db)
    for_pharmacists = make_resource(
        db, audience_rows=[ResourceAudience(profession_code="pharmacist")]
    )
    for_dentists = make_resource(db, audience_rows=[ResourceAudience(profession_code="dentist")])

    ids = listed(client, audience="pharmacist")

    assert {for_everyone.id, for_pharmacists.id} <= ids
    assert for_dentists.id not in ids
    assert for_pharmacists.id not in listed(client, audience="dentist")


def test_text_search_ignores_case_in_title_and_description(client: TestClient, db: Session) -> None:
    by_title = make_resource(db, title="Schwartz Rounds")
    by_description = make_resource(db, description="Monthly SCHWARTZ rounds for all staff")
    make_resource(db, title="Tai chi")

    assert listed(client, q="schwartz ROUNDS") == {by_title.id, by_description.id}
