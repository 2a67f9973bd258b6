"""Framing, route by route: the embed alone may be framed, by exactly the configured embed
origins; every other GET route of the app (pages, the API, static files) answers
`frame-ancestors 'none'` and `X-Frame-Options: DENY`, whoever asks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.routing import BaseRoute, Mount, Route

from domain.codes import Role
from domain.program_settings.models import ProgramSettingsUpdate
from domain.program_settings.service import update_program_settings
from tests.factories import ADMIN, make_user
from tests.web.conftest import HTML, Browser, csp_directives

ORIGINS = ["https://intranet.example.org", "http://localhost:8080"]
EMBED = "/embed/directory"


def get_paths(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    """Each GET route's path, its parameters filled with 1 (a real row or a 404: both answers
    must carry the headers)."""
    for route in routes:
        # FastAPI keeps an included router whole (its routes behind `original_router`); the
        # app includes its page routers without a prefix.
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from get_paths(included.routes, prefix)
            continue
        if isinstance(route, Mount):
            if route.path == "/static":
                yield "/static/peer-support-0.1.0.css"
            continue
        if isinstance(route, Route) and route.methods and "GET" in route.methods:
            yield prefix + re.sub(r"\{[^}]+\}", "1", route.path)


def every_get_path(app: FastAPI) -> list[str]:
    v1: FastAPI = app.state.api_v1
    return [*get_paths(app.routes), *get_paths(v1.routes, "/api/v1"), "/no/such/page"]


@pytest.fixture
def everyone(db: Session, sign_in: Callable[..., Browser]) -> Browser:
    roles = (Role.admin, Role.coordinator, Role.resource_editor, Role.report_viewer)
    return sign_in(make_user(db, roles=roles))


def test_the_app_has_the_routes_this_test_walks(client: TestClient) -> None:
    paths = every_get_path(client.app)  # type: ignore[arg-type]

    assert EMBED in paths
    assert "/directory" in paths
    assert "/embed/directory.js" in paths
    assert "/api/v1/directory" in paths
    assert len(paths) > 40


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_only_the_embed_may_be_framed_and_only_by_the_embed_origins(
    client: TestClient, db: Session, everyone: Browser, new_browser: Callable, signed_in: bool
) -> None:
    update_program_settings(
        session=db, actor=ADMIN, data=ProgramSettingsUpdate(embed_origins=ORIGINS)
    )
    browser = everyone.client if signed_in else new_browser()
    checked = 0
    for path in every_get_path(client.app):  # type: ignore[arg-type]
        answer = browser.get(path, headers=HTML, follow_redirects=False)
        assert answer.status_code < 500, path
        if path == EMBED:
            assert csp_directives(answer)["frame-ancestors"] == ORIGINS
            assert "x-frame-options" not in answer.headers
        else:
            assert csp_directives(answer)["frame-ancestors"] == ["'none'"], path
            assert answer.headers["x-frame-options"] == "DENY", path
        checked += 1
    assert checked > 40


def test_the_paths_walked_cover_the_pages_and_the_api(client: TestClient) -> None:
    paths = set(every_get_path(client.app))  # type: ignore[arg-type]

    for expected in ("/", "/settings", "/curation", "/curation/embed", "/api/v1/resources/1"):
        assert expected in paths
