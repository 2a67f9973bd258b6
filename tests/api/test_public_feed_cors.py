"""CORS on the public JSON feeds (the directory and its HSDS export): any origin may read them,
never with credentials, their scripts may read `ETag` and `Link`, and the preflight a browser
sends first (for `If-None-Match`) is answered."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

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
