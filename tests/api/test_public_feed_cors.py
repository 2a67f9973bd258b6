"""CORS on the public JSON feeds (the directory and its HSDS export): any origin may read them,
never with credentials, their scripts may read `ETag` and `Link`, the preflight a browser
sends first (for `If-None-Match`) is answered, and their problems (422, 503) are readable too."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.app import create_app
from api.v1.problems import PROBLEM_MEDIA_TYPE
from domain.settings import Settings

FEEDS = ["/api/v1/directory", "/api/v1/directory/hsds"]
ORIGIN = "https://intranet.example.org"


def exposed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


@pytest.mark.parametrize("feed", FEEDS)
def test_any_origin_reads_it_without_credentials(client: TestClient, feed: str) -> None:
    for origin in (ORIGIN, "http://localhost:3000", "null"):
        answer = client.get(feed, headers={"Origin": origin})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers
        assert exposed(answer.headers["access-control-expose-headers"]) == {"etag", "link"}
        assert "set-cookie" not in answer.headers


@pytest.mark.parametrize("feed", FEEDS)
def test_a_304_keeps_the_cors_headers(client: TestClient, feed: str) -> None:
    etag = client.get(feed).headers["etag"]

    answer = client.get(feed, headers={"Origin": ORIGIN, "If-None-Match": etag})

    assert answer.status_code == 304
    assert answer.headers["access-control-allow-origin"] == "*"
    assert exposed(answer.headers["access-control-expose-headers"]) == {"etag", "link"}


@pytest.mark.parametrize("feed", FEEDS)
def test_the_preflight_is_answered(client: TestClient, feed: str) -> None:
    answer = client.options(
        feed,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert answer.status_code == 204
    assert answer.content == b""
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    methods = exposed(answer.headers["access-control-allow-methods"])
    assert methods == {"get", "head", "options"}
    assert "if-none-match" in exposed(answer.headers["access-control-allow-headers"])
    assert int(answer.headers["access-control-max-age"]) >= 600


def test_head_answers_the_directory_without_a_body(client: TestClient) -> None:
    answer = client.head("/api/v1/directory", headers={"Origin": ORIGIN})

    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["etag"] == client.get("/api/v1/directory").headers["etag"]
    assert answer.headers["access-control-allow-origin"] == "*"


def test_the_preflight_stays_out_of_the_api_description(client: TestClient) -> None:
    described = client.get("/api/v1/openapi.json").json()["paths"]["/directory"]

    assert set(described) == {"get"}


# Problems: another site's script reads which field was wrong, or that the database is away.

BAD_ADDRESSES = {
    "/api/v1/directory": ("limit=0", "limit"),
    "/api/v1/directory/hsds": ("per_page=501", "per_page"),
}


def assert_readable_anywhere(answer: Response) -> None:
    assert answer.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    assert exposed(answer.headers["access-control-expose-headers"]) == {"etag", "link"}


@pytest.mark.parametrize("feed", FEEDS)
def test_a_422_names_the_field_to_any_origin(client: TestClient, feed: str) -> None:
    query, field = BAD_ADDRESSES[feed]

    for address in (f"{feed}?{query}", f"{feed}?q=%00", f"{feed}?unknown=1"):
        answer = client.get(address, headers={"Origin": ORIGIN})

        assert answer.status_code == 422, address
        assert_readable_anywhere(answer)
    answer = client.get(f"{feed}?{query}", headers={"Origin": ORIGIN})
    assert field in [error["field"] for error in answer.json()["errors"]]


def test_other_paths_get_no_cors_headers(client: TestClient) -> None:
    for address in ("/api/v1/resources?limit=0", "/api/v1/directory/nothing", "/api/v1/me"):
        answer = client.get(address, headers={"Origin": ORIGIN})

        assert answer.status_code in (401, 404, 422), address
        assert "access-control-allow-origin" not in answer.headers, address


@pytest.mark.parametrize("feed", FEEDS)
def test_a_503_while_the_database_is_away_reaches_any_origin(tmp_path: Path, feed: str) -> None:
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url="postgresql://nobody@127.0.0.1:1/none",  # nothing listens on port 1
        var_dir=tmp_path,
    )
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as away:
        answer = away.get(feed, headers={"Origin": ORIGIN})

    assert answer.status_code == 503
    assert_readable_anywhere(answer)
