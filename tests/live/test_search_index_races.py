"""The search index is kept by the database itself (triggers on SQLite, a generated column on
PostgreSQL): entries written by parallel requests, each committed by its own request, are all
found, and a change or a refusal leaves the index as the rows are."""

from __future__ import annotations

import time
from typing import Any

import httpx

from domain.codes import Role
from tests.factories import make_user
from tests.live.server import LiveServer, at_once

COUNT = 12


def found_ids(http: httpx.Client, q: str) -> set[int]:
    answer = http.get("/api/v1/directory", params={"q": q, "limit": 200})
    assert answer.status_code == 200, answer.text
    return {item["id"] for item in answer.json()["items"]}


def test_parallel_creates_and_changes_are_all_found_and_nothing_else(
    live_server: LiveServer,
) -> None:
    editor_id = live_server.seed(lambda s: make_user(s, roles=(Role.resource_editor,)).id)
    editor = live_server.bearer(f"user:{editor_id}")
    # Letters only: a word of its own for this run, found by nothing else.
    marker = "".join(chr(ord("a") + int(d)) for d in str(time.monotonic_ns()))
    body: dict[str, Any] = {"category": "wellness", "published": True}

    with live_server.client() as http:
        created = at_once(
            COUNT,
            lambda n: http.post(
                "/api/v1/resources",
                headers=editor,
                json={**body, "title": f"Race {n}", "keywords": [f"{marker}old"]},
            ),
        )
        assert [a.status_code for a in created] == [201] * COUNT, [a.text for a in created]
        ids = {a.json()["id"] for a in created}
        assert found_ids(http, f"{marker}old") == ids

        changed = at_once(
            COUNT,
            lambda n: http.patch(
                f"/api/v1/resources/{sorted(ids)[n]}",
                headers=editor,
                json={"keywords": [f"{marker}new"]},
            ),
        )
        assert [a.status_code for a in changed] == [200] * COUNT

        # A refused change (an unknown audience) leaves the index as it was.
        refused = http.patch(
            f"/api/v1/resources/{min(ids)}",
            headers=editor,
            json={"keywords": [f"{marker}rolledback"], "audiences": ["no-such-profession"]},
        )
        assert refused.status_code == 422

        assert found_ids(http, f"{marker}new") == ids
        assert found_ids(http, f"{marker}old") == set()
        assert found_ids(http, f"{marker}rolledback") == set()
        assert found_ids(http, f"{marker}new wellness") == ids  # the category's label too
