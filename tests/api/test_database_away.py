"""A database that is busy or away never gives a 500: the API answers 503 problem details with
`Retry-After`, pages a calm 503 page that still lists the crisis contacts, wherever the error
is raised (reading the caller, the handler, the commit at the request's edge, the token
endpoint's own commit). The live-server tests (tests/live/test_database_away.py) do the same
against a real server and a real outage; these pin each path in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.app import create_app
from api.v1.deps import current_actor
from domain.codes import ResourceCategory, Role
from domain.db import make_engine, unit_of_work
from domain.migrations import upgrade_to_head
from domain.resources import crisis
from domain.resources.service import crisis_resources
from domain.settings import Settings
from domain.users.passwords import hash_password
from tests.api.conftest import bearer
from tests.factories import ENCOUNTER_BODY, make_resource, make_supporter, make_user

PROBLEM = "application/problem+json"
PASSWORD = "a long enough password"
# Nothing listens on port 1: every connection is refused at once.
REFUSING_POSTGRESQL = "postgresql://nobody@127.0.0.1:1/none"
NATIONAL_NUMBERS = ('href="tel:988"', 'href="tel:18884090141"', 'href="sms:741741')


def assert_unavailable_problem(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["status"] == 503
    assert body["title"] == "Service unavailable"
    assert "try again" in body["detail"]


def assert_calm_page_with_crisis_numbers(response: Any, numbers: tuple[str, ...]) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "2"
    assert "try again in a minute" in response.text
    assert "If you or a colleague need help now" in response.text
    # 911 as a thumb-sized button (as on the crisis page), not a 20 px link inside a sentence
    assert '<a class="button danger" href="tel:911">Call 911</a>' in response.text
    for number in numbers:
        assert number in response.text
    assert "Traceback" not in response.text


@pytest.fixture
def nothing_read_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not read the crisis list yet (other tests in this run have)."""
    monkeypatch.setattr(crisis, "_last_read", crisis._LastRead())


def settings_for(database_url: str, var_dir: Path) -> Settings:
    return Settings(_env_file=None, environment="test", database_url=database_url, var_dir=var_dir)


# A database refusing every connection (PostgreSQL down, or a wrong address).


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, FastAPI]]:
    app = create_app(settings_for(REFUSING_POSTGRESQL, tmp_path_factory.mktemp("refused")))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client, app


def test_the_api_answers_503_problems_while_the_database_refuses_connections(
    refused: tuple[TestClient, FastAPI],
) -> None:
    client, app = refused
    signed_in = bearer(app.state.token_issuer, "user:1")
    password_grant = {"grant_type": "password", "username": "a@b.org", "password": PASSWORD}
    client_grant = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}

    assert_unavailable_problem(client.get("/api/v1/me", headers=signed_in))
    assert_unavailable_problem(
        client.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=signed_in)
    )
    assert_unavailable_problem(client.get("/api/v1/directory"))
    assert_unavailable_problem(client.get("/api/v1/directory/hsds"))
    assert_unavailable_problem(client.post("/api/v1/auth/token", data=password_grant))
    assert_unavailable_problem(client.post("/api/v1/auth/token", data=client_grant))


def test_readyz_is_not_ready_while_the_database_refuses_connections(
    refused: tuple[TestClient, FastAPI],
) -> None:
    client, _app = refused
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.parametrize("path", ["/", "/crisis", "/sign-in", "/log", "/encounters", "/guide"])
def test_every_page_is_a_calm_503_with_the_national_crisis_numbers(
    refused: tuple[TestClient, FastAPI], nothing_read_yet: None, path: str
) -> None:
    client, _app = refused
    for cookies in ({}, {"peer_session": "a-session-that-cannot-be-checked"}):
        client.cookies.clear()
        client.cookies.update(cookies)
        response = client.get(path, headers={"Accept": "text/html"})
        assert_calm_page_with_crisis_numbers(response, NATIONAL_NUMBERS)
    client.cookies.clear()


def test_a_form_sent_while_the_database_refuses_connections_gets_the_503_page(
    refused: tuple[TestClient, FastAPI], nothing_read_yet: None
) -> None:
    client, _app = refused
    form = {"email": "a@b.org", "password": PASSWORD, "csrf_token": "x"}
    response = client.post("/sign-in", data=form, headers={"Accept": "text/html"})
    assert_calm_page_with_crisis_numbers(response, NATIONAL_NUMBERS)


def test_htmx_gets_the_503_fragment_in_the_main_area(
    refused: tuple[TestClient, FastAPI], nothing_read_yet: None
) -> None:
    client, _app = refused
    client.cookies.update({"peer_session": "a-session-that-cannot-be-checked"})
    response = client.get("/encounters", headers={"HX-Request": "true"})
    client.cookies.clear()
    assert_calm_page_with_crisis_numbers(response, NATIONAL_NUMBERS)
    assert "<html" not in response.text
    assert response.headers["hx-retarget"] == "#main"


def test_a_page_shows_the_crisis_list_this_process_read_last(
    refused: tuple[TestClient, FastAPI], db: Session, nothing_read_yet: None
) -> None:
    make_resource(
        db, title="Hospital crisis team", category=ResourceCategory.crisis_line, phone="555-0100"
    )
    crisis_resources(db)  # what any page did while the database was there
    response = refused[0].get("/crisis", headers={"Accept": "text/html"})
    assert_calm_page_with_crisis_numbers(response, ('href="tel:5550100"', 'href="tel:988"'))
    assert "Hospital crisis team" in response.text


def test_a_non_browser_client_of_a_page_gets_a_problem(
    refused: tuple[TestClient, FastAPI],
) -> None:
    assert_unavailable_problem(refused[0].get("/crisis", headers={"Accept": "application/json"}))


def test_the_fallback_list_is_what_the_migration_seeds(db: Session) -> None:
    seeded = {r.title: r for r in crisis_resources(db)}
    for contact in crisis.NATIONAL_CRISIS_CONTACTS:
        row = seeded[contact.title]
        assert (row.phone, row.text_number) == (contact.phone, contact.text_number)
    assert [c.title for c in crisis.NATIONAL_CRISIS_CONTACTS] == [
        "988 Suicide & Crisis Lifeline",
        "Physician Support Line",
        "Crisis Text Line",
    ]


# A commit that fails at the request's edge (the connection dropped after the handler ran).


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, FastAPI]]:
    """An app on a database of its own, with a supporter whose password is `PASSWORD`."""
    folder = tmp_path_factory.mktemp("commit")
    url = f"sqlite:///{folder / 'commit.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        user = make_user(
            session,
            roles=(Role.supporter,),
            email="sam@hospital.example.org",
            password_hash=hash_password(PASSWORD),
        )
        make_supporter(session, user=user)
    engine.dispose()
    app = create_app(settings_for(url, folder))
    app.state.user_id = user.id
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client, app


@pytest.fixture
def commits_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    def lost_connection(_session: Session) -> None:
        raise OperationalError("COMMIT", None, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", lost_connection)


def test_a_failed_commit_at_the_request_edge_is_a_503_problem(
    committed: tuple[TestClient, FastAPI], commits_fail: None
) -> None:
    client, app = committed
    signed_in = bearer(app.state.token_issuer, f"user:{app.state.user_id}")
    assert_unavailable_problem(client.get("/api/v1/me", headers=signed_in))
    assert_unavailable_problem(
        client.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=signed_in)
    )
    assert_unavailable_problem(client.get("/api/v1/directory"))


def test_a_failed_commit_in_the_token_endpoint_is_a_503_problem(
    committed: tuple[TestClient, FastAPI], commits_fail: None
) -> None:
    client, _app = committed
    for password in (PASSWORD, "the wrong password"):  # success commits at the edge, refusal itself
        form = {
            "grant_type": "password",
            "username": "sam@hospital.example.org",
            "password": password,
        }
        assert_unavailable_problem(client.post("/api/v1/auth/token", data=form))


def test_a_failed_commit_behind_a_page_is_the_503_page(
    committed: tuple[TestClient, FastAPI], commits_fail: None
) -> None:
    response = committed[0].get("/crisis", headers={"Accept": "text/html"})
    assert_calm_page_with_crisis_numbers(response, ('href="tel:988"',))


def test_the_same_requests_succeed_when_commits_work(committed: tuple[TestClient, FastAPI]) -> None:
    client, app = committed
    signed_in = bearer(app.state.token_issuer, f"user:{app.state.user_id}")
    assert client.get("/api/v1/me", headers=signed_in).status_code == 200
    form = {"grant_type": "password", "username": "sam@hospital.example.org", "password": PASSWORD}
    assert client.post("/api/v1/auth/token", data=form).status_code == 200


def test_an_unexpected_error_in_the_api_is_a_500_problem_not_plain_text(
    committed: tuple[TestClient, FastAPI],
) -> None:
    client, app = committed

    def broken() -> None:
        raise RuntimeError("a bug")

    app.state.api_v1.dependency_overrides[current_actor] = broken
    try:
        response = client.get("/api/v1/me")
    finally:
        app.state.api_v1.dependency_overrides.clear()
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "a bug" not in response.text


def test_an_error_in_a_middleware_in_front_of_the_api_is_a_problem_too(
    committed: tuple[TestClient, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _app = committed

    async def broken(*_args: object) -> None:
        raise OperationalError("SELECT 1", None, Exception("connection refused"))

    monkeypatch.setattr("api.security_headers.SecurityHeadersMiddleware.__call__", broken)
    assert_unavailable_problem(client.get("/api/v1/directory"))
    page = client.get("/crisis", headers={"Accept": "text/html"})
    assert_calm_page_with_crisis_numbers(page, ('href="tel:988"',))

    async def buggy(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("api.security_headers.SecurityHeadersMiddleware.__call__", buggy)
    response = client.get("/api/v1/directory")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM


def test_the_server_never_creates_a_missing_sqlite_file(tmp_path: Path) -> None:
    # A server whose file went away must not start an empty database in its place.
    missing = tmp_path / "gone.db"
    app = create_app(settings_for(f"sqlite:///{missing}", tmp_path))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        assert_unavailable_problem(client.get("/api/v1/directory"))
        assert client.get("/readyz").status_code == 503
    assert not missing.exists()
