"""Protected routes refuse every forged, missing or outdated bearer token with 401 and a
`WWW-Authenticate: Bearer` challenge; a token stands only for what its subject may do now."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from domain.api_clients.models import ApiClient, ApiClientUpdate
from domain.api_clients.service import revoke_api_client, update_api_client
from domain.auth.service import TokenIssuer
from domain.codes import ApiScope
from tests.api.conftest import Headers, bearer
from tests.factories import ADMIN, make_user
from tests.forged_tokens import FORGERIES, GARBAGE, Forger

ME = "/api/v1/me"
MakeApiClient = Callable[..., tuple[ApiClient, str]]


def assert_unauthorized(response: Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def as_bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def rescope(db: Session, api_client: ApiClient, *scopes: ApiScope) -> None:
    assert api_client.id is not None
    data = ApiClientUpdate(scopes=list(scopes))
    update_api_client(session=db, actor=ADMIN, api_client_id=api_client.id, data=data)


@pytest.fixture
def forger(db: Session, issuer: TokenIssuer) -> Forger:
    """Forges tokens in the name of an active user, so only the forgery is at fault."""
    return Forger(issuer.ring, issuer.issuer, issuer.audience, f"user:{make_user(db).id}")


def test_the_hand_made_honest_token_is_accepted(client: TestClient, forger: Forger) -> None:
    assert client.get(ME, headers=as_bearer(forger.honest())).status_code == 200


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_token_gets_401(
    client: TestClient, forger: Forger, forge: Callable[[Forger], str]
) -> None:
    assert_unauthorized(client.get(ME, headers=as_bearer(forge(forger))))


@pytest.mark.parametrize("garbage", [g for g in GARBAGE if g.isascii()])
def test_a_garbage_token_gets_401(client: TestClient, garbage: str) -> None:
    assert_unauthorized(client.get(ME, headers={"Authorization": f"Bearer {garbage}".strip()}))


def test_no_token_gets_a_plain_bearer_challenge(client: TestClient) -> None:
    response = client.get(ME)
    assert_unauthorized(response)
    assert response.headers["www-authenticate"] == "Bearer"


def test_another_scheme_gets_401(client: TestClient, forger: Forger) -> None:
    assert_unauthorized(client.get(ME, headers={"Authorization": f"Token {forger.honest()}"}))


def test_a_token_of_a_user_since_deactivated_gets_401(
    client: TestClient, db: Session, headers_for_user: Callable[..., Headers]
) -> None:
    user = make_user(db)
    headers = headers_for_user(user)
    assert client.get(ME, headers=headers).status_code == 200
    user.active = False
    db.add(user)
    db.flush()
    assert_unauthorized(client.get(ME, headers=headers))


def test_a_token_of_an_unknown_subject_gets_401(client: TestClient, issuer: TokenIssuer) -> None:
    for subject in ("user:999999", "client:999999", "robot:1", "user:abc", "user:"):
        assert_unauthorized(client.get(ME, headers=bearer(issuer, subject)))


def test_a_token_of_an_api_client_since_revoked_gets_401(
    client: TestClient, db: Session, issuer: TokenIssuer, make_api_client: MakeApiClient
) -> None:
    api_client, _ = make_api_client(ApiScope.reports_read)
    headers = bearer(issuer, f"client:{api_client.id}", frozenset({"reports:read"}))
    assert client.get(ME, headers=headers).status_code == 200
    assert api_client.id is not None
    revoke_api_client(session=db, actor=ADMIN, api_client_id=api_client.id)
    assert_unauthorized(client.get(ME, headers=headers))


def test_a_client_whose_scopes_shrank_keeps_only_the_remaining_ones(
    client: TestClient, db: Session, issuer: TokenIssuer, make_api_client: MakeApiClient
) -> None:
    api_client, _ = make_api_client(ApiScope.reports_read, ApiScope.sessions_read)
    headers = bearer(
        issuer, f"client:{api_client.id}", frozenset({"reports:read", "sessions:read"})
    )
    assert client.get("/api/v1/sessions", headers=headers).status_code == 200
    rescope(db, api_client, ApiScope.reports_read)
    assert client.get(ME, headers=headers).json()["scopes"] == ["reports:read"]
    refused = client.get("/api/v1/sessions", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_token_never_gains_scopes_its_client_got_later(
    client: TestClient, db: Session, issuer: TokenIssuer, make_api_client: MakeApiClient
) -> None:
    api_client, _ = make_api_client(ApiScope.reports_read)
    headers = bearer(issuer, f"client:{api_client.id}", frozenset({"reports:read"}))
    rescope(db, api_client, ApiScope.reports_read, ApiScope.sessions_read)
    assert client.get(ME, headers=headers).json()["scopes"] == ["reports:read"]
    assert client.get("/api/v1/sessions", headers=headers).status_code == 403
