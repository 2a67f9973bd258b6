"""`q` on the resource lists of the API (`/resources` for signed-in callers, `/directory` for
everyone) is the directory's search (domain/resources/search.py, tested in depth in
tests/domain/test_resource_search.py): the same finds, crisis lines first, a cursor that carries
(pinned, rank, id), and a number of statements that does not grow with the rows found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.v1.pagination import encode_cursor
from domain.codes import ResourceCategory, Role
from tests.api.conftest import Headers
from tests.factories import counting_statements, make_resource

PATHS = ["/resources", "/directory"]
each_path = pytest.mark.parametrize("path", PATHS)


@pytest.fixture
def headers(headers_for_roles: Callable[..., Headers]) -> Headers:
    return headers_for_roles(Role.supporter)


def ids_of(client: TestClient, path: str, headers: Headers, **params: Any) -> list[int]:
    response = client.get(f"/api/v1{path}", params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next"] is None
    return [item["id"] for item in response.json()["items"]]


def walk(client: TestClient, path: str, headers: Headers, **params: Any) -> list[int]:
    ids: list[int] = []
    cursor: str | None = None
    for _ in range(200):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"/api/v1{path}", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        if body["next"] is None:
            assert "link" not in response.headers
            return ids
        assert f"cursor={body['next']}" in response.headers["link"]
        cursor = body["next"]
    raise AssertionError("the cursor does not advance")


@each_path
def test_q_finds_prefixes_plurals_keywords_and_category_names(
    client: TestClient, db: Session, headers: Headers, path: str
) -> None:
    counseling = make_resource(db, title="Brambly Counseling", category=ResourceCategory.counseling)
    counselors = make_resource(db, title="Brambly talks", description="with counselors")
    eap = make_resource(db, title="Brambly office", category=ResourceCategory.eap, keywords=["EAP"])

    assert ids_of(client, path, headers, q="brambly counsel") == [counseling.id, counselors.id]
    assert ids_of(client, path, headers, q="brambly eap") == [eap.id]
    assert ids_of(client, path, headers, q="assistance brambly") == [eap.id]


@each_path
def test_a_crisis_line_comes_before_a_title_match(
    client: TestClient, db: Session, headers: Headers, path: str
) -> None:
    title_match = make_resource(db, title="Thistle group")
    crisis = make_resource(db, title="Line", category=ResourceCategory.crisis_line,
                           description="thistle")  # fmt: skip

    assert ids_of(client, path, headers, q="thistle") == [crisis.id, title_match.id]


@each_path
@pytest.mark.parametrize("q", ["thistle", "thistle day", None])
def test_the_cursor_walks_the_search_order_without_repeats_or_gaps(
    client: TestClient, db: Session, headers: Headers, path: str, q: str | None
) -> None:
    categories = [ResourceCategory.wellness, ResourceCategory.crisis_line, ResourceCategory.legal]
    for n in range(11):
        make_resource(
            db,
            title=("Thistle day" if n % 2 else "Day") + f" {n}",
            keywords=["thistle"] if n % 3 else [],
            description="thistle" if n % 4 == 0 else "",
            category=categories[n % 3],
        )
    params = {"q": q} if q else {}

    assert walk(client, path, headers, limit=2, **params) == ids_of(client, path, headers, **params)


@each_path
@pytest.mark.parametrize("key", ["42", "0.0", "3.0.1", "0.0.1.2", "x.y.z"])
def test_a_cursor_that_is_no_search_key_is_refused_naming_cursor(
    client: TestClient, headers: Headers, path: str, key: str
) -> None:
    response = client.get(
        f"/api/v1{path}", params={"q": "line", "cursor": encode_cursor(key)}, headers=headers
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


@each_path
def test_fts_syntax_in_q_is_searched_as_words(
    client: TestClient, db: Session, headers: Headers, path: str
) -> None:
    entry = make_resource(db, title="Sorrel NEAR clinic")

    for q in ['"sorrel', "sorrel*", "-sorrel", "sorrel:", "^sorrel", "NEAR(sorrel)", "(sorrel"]:
        assert entry.id in ids_of(client, path, headers, q=q), q
    assert ids_of(client, path, headers, q="sorrel AND nothing") == []


@each_path
def test_the_statements_per_search_do_not_grow_with_the_entries_found(
    client: TestClient, db: Session, headers: Headers, path: str
) -> None:
    def statements_for_one_search() -> int:
        db.expire_all()
        with counting_statements(db) as statements:
            response = client.get(f"/api/v1{path}", params={"q": "clover"}, headers=headers)
        assert response.status_code == 200, response.text
        return len(statements)

    for n in range(3):
        make_resource(db, title=f"Clover {n}", keywords=["k"])
    with_few = statements_for_one_search()
    for n in range(30):
        make_resource(db, title=f"Clover more {n}", description="clover")
    with_many = statements_for_one_search()

    assert with_few == with_many
    # The audience rows come in one more statement; no per-row loading.
    assert with_many <= 6


def test_the_directory_answers_a_search_with_an_etag(client: TestClient, db: Session) -> None:
    make_resource(db, title="Yarrow walk")
    first = client.get("/api/v1/directory", params={"q": "yarrow"})

    etag = first.headers["etag"]
    again = client.get("/api/v1/directory", params={"q": "yarrow"}, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert again.status_code == 304
