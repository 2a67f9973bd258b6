"""POST /api/v1/auth/token: the password and client-credentials grants, their RFC 6749 errors,
throttling of repeated failures (never a permanent lock), and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session, col, select

from domain.api_clients.models import ApiClient
from domain.audit.models import AuditEvent
from domain.auth.throttle import PAIR_LIMIT, WINDOW
from domain.codes import ApiScope
from domain.columns import utcnow
from domain.users.models import User
from domain.users.passwords import hash_password
from tests.factories import age_throttle, audit_actions, make_user

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
PASSWORD = "correct horse battery"
MakeApiClient = Callable[..., tuple[ApiClient, str]]


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def user_with_password(db: Session, **values: Any) -> User:
    return make_user(db, password_hash=password_hash(), **values)


def password_grant(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    form = {"grant_type": "password", "username": email, "password": password}
    return client.post(TOKEN, data=form)


def client_grant(client: TestClient, client_id: str, secret: str, **form: str) -> Response:
    fields = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post(TOKEN, data=fields | form)


def basic_grant(client: TestClient, client_id: str, secret: str) -> Response:
    return client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=(client_id, secret))


def assert_oauth_error(response: Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


def me(client: TestClient, response: Response) -> dict[str, object]:
    answer = client.get(ME, headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


@pytest.fixture
def client_at(client: TestClient) -> Callable[[str], TestClient]:
    """The same app, called from another address."""

    def at(address: str) -> TestClient:
        return TestClient(client.app, base_url=str(client.base_url), client=(address, 50000))

    return at


def token_audit(db: Session) -> list[tuple[str, str, str | None]]:
    query = select(AuditEvent).where(AuditEvent.action == "auth.token")
    events = db.exec(query.order_by(col(AuditEvent.id)))
    return [(event.outcome, event.object_type, event.object_id) for event in events]


def test_the_password_grant_gives_a_bearer_token_that_works(
    client: TestClient, db: Session
) -> None:
    user = user_with_password(db)
    response = password_grant(client, user.email.upper())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"]
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 900, "")
    assert response.headers["cache-control"] == "no-store"
    assert me(client, response)["email"] == user.email


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    client: TestClient, db: Session
) -> None:
    user = user_with_password(db)
    wrong_password = password_grant(client, user.email, "not the password")
    unknown_email = password_grant(client, "nobody@hospital.example.org")
    assert_oauth_error(wrong_password, 400, "invalid_grant")
    assert wrong_password.json() == unknown_email.json()


def test_an_inactive_user_gets_no_token(client: TestClient, db: Session) -> None:
    user = user_with_password(db, active=False)
    response = password_grant(client, user.email)
    assert_oauth_error(response, 400, "invalid_grant")
    assert response.json() == password_grant(client, "nobody@hospital.example.org").json()


def test_client_credentials_in_form_fields_get_every_granted_scope(
    client: TestClient, make_api_client: MakeApiClient
) -> None:
    api_client, secret = make_api_client(ApiScope.sessions_read, ApiScope.reports_read)
    response = client_grant(client, api_client.client_id, secret)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "reports:read sessions:read"
    assert response.headers["cache-control"] == "no-store"
    assert me(client, response)["scopes"] == ["reports:read", "sessions:read"]


def test_client_credentials_by_http_basic(
    client: TestClient, make_api_client: MakeApiClient
) -> None:
    api_client, secret = make_api_client(ApiScope.reports_read)
    response = basic_grant(client, api_client.client_id, secret)
    assert response.status_code == 200, response.text
    assert me(client, response)["kind"] == "api_client"


def test_a_client_gets_the_subset_of_scopes_it_asks_for(
    client: TestClient, make_api_client: MakeApiClient
) -> None:
    api_client, secret = make_api_client(ApiScope.sessions_read, ApiScope.reports_read)
    response = client_grant(client, api_client.client_id, secret, scope="reports:read")
    assert response.json()["scope"] == "reports:read"
    assert me(client, response)["scopes"] == ["reports:read"]


def test_a_scope_not_granted_is_refused(client: TestClient, make_api_client: MakeApiClient) -> None:
    api_client, secret = make_api_client(ApiScope.reports_read)
    response = client_grant(client, api_client.client_id, secret, scope="reports:read audit:read")
    assert_oauth_error(response, 400, "invalid_scope")


def test_a_wrong_secret_is_an_invalid_client(
    client: TestClient, make_api_client: MakeApiClient
) -> None:
    api_client, _ = make_api_client(ApiScope.reports_read)
    in_form = client_grant(client, api_client.client_id, "not-the-secret")
    assert_oauth_error(in_form, 401, "invalid_client")
    assert "www-authenticate" not in in_form.headers
    by_basic = basic_grant(client, api_client.client_id, "not-the-secret")
    assert_oauth_error(by_basic, 401, "invalid_client")
    assert by_basic.headers["www-authenticate"].startswith("Basic")
    assert client_grant(client, "psc_unknown", "x").json() == in_form.json()


def test_a_revoked_client_is_an_invalid_client(
    client: TestClient, db: Session, make_api_client: MakeApiClient
) -> None:
    api_client, secret = make_api_client(ApiScope.reports_read)
    api_client.revoked_at = utcnow()
    db.add(api_client)
    db.flush()
    assert_oauth_error(client_grant(client, api_client.client_id, secret), 401, "invalid_client")


def test_an_unsupported_grant_type_is_refused(client: TestClient) -> None:
    response = client.post(TOKEN, data={"grant_type": "authorization_code", "code": "x"})
    assert_oauth_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "username": "a@hospital.example.org"},
        {"grant_type": "password", "password": PASSWORD},
        {"grant_type": "client_credentials", "client_id": "psc_x"},
        {"grant_type": "client_credentials", "client_secret": "x"},
    ],
)
def test_missing_fields_are_an_invalid_request(client: TestClient, form: dict[str, str]) -> None:
    assert_oauth_error(client.post(TOKEN, data=form), 400, "invalid_request")


def test_a_json_body_gets_invalid_request(client: TestClient) -> None:
    form = {"grant_type": "password", "username": "a@hospital.example.org", "password": PASSWORD}
    response = client.post(TOKEN, json=form)  # RFC 6749 asks for a form
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_ten_failures_for_an_account_slow_it_down_until_they_age_out(
    client: TestClient, db: Session, client_at: Callable[[str], TestClient]
) -> None:
    user, other = user_with_password(db), user_with_password(db)
    for _ in range(PAIR_LIMIT):
        assert_oauth_error(password_grant(client, user.email, "guess"), 400, "invalid_grant")
    throttled = password_grant(client, user.email)
    assert_oauth_error(throttled, 429, "slow_down")
    # Until 15 minutes after the first failure (those 10 argon2 checks took a few seconds).
    assert 800 < int(throttled.headers["retry-after"]) <= WINDOW.total_seconds()
    assert password_grant(client_at("10.0.0.8"), other.email).status_code == 200
    age_throttle(db, WINDOW)
    assert password_grant(client, user.email).status_code == 200


def test_bogus_client_ids_from_one_address_do_not_block_it(client: TestClient, db: Session) -> None:
    user = user_with_password(db)
    for number in range(PAIR_LIMIT):
        assert_oauth_error(
            client_grant(client, f"psc_guess_{number}", "guess"), 401, "invalid_client"
        )
    assert password_grant(client, user.email).status_code == 200


def test_issued_refused_and_throttled_tokens_are_audited(
    client: TestClient,
    db: Session,
    make_api_client: MakeApiClient,
    client_at: Callable[[str], TestClient],
) -> None:
    user = user_with_password(db)
    api_client, secret = make_api_client(ApiScope.reports_read)
    password_grant(client, user.email)
    password_grant(client, user.email, "guess")
    client_grant(client, api_client.client_id, secret)
    client_grant(client, api_client.client_id, secret, scope="audit:read")
    elsewhere = client_at("10.0.0.6")
    for _ in range(PAIR_LIMIT):
        client_grant(elsewhere, api_client.client_id, "guess")
    assert_oauth_error(client_grant(elsewhere, api_client.client_id, secret), 429, "slow_down")
    assert token_audit(db) == [
        ("success", "user", str(user.id)),
        ("failure", "user", None),
        ("success", "api_client", str(api_client.id)),
        ("failure", "api_client", str(api_client.id)),
        *[("failure", "api_client", None)] * PAIR_LIMIT,
        ("throttled", "account", None),
    ]
    sign_ins = ["auth.sign_in", "auth.token", "auth.sign_in"]
    assert audit_actions(db, object_type="user", object_id=user.id) == sign_ins
