"""API test helpers: bearer tokens for people with given roles and for API clients with given
scopes, issued by the app's own key ring (the token endpoint itself is tested separately)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.actors import Actor
from domain.api_clients.models import ApiClient, ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.auth.service import TokenIssuer
from domain.auth.tokens import issue_access_token
from domain.codes import ApiScope, Role
from domain.columns import utcnow
from domain.users.models import User
from tests.factories import make_user

Headers = dict[str, str]


def bearer(issuer: TokenIssuer, subject: str, scopes: frozenset[str] = frozenset()) -> Headers:
    token = issue_access_token(
        issuer.ring,
        issuer=issuer.issuer,
        audience=issuer.audience,
        subject=subject,
        scopes=scopes,
        now=utcnow(),
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def issuer(client: TestClient) -> TokenIssuer:
    token_issuer: TokenIssuer = client.app.state.token_issuer  # type: ignore[attr-defined]
    return token_issuer


@pytest.fixture
def headers_for_user(issuer: TokenIssuer) -> Callable[[User], Headers]:
    """Headers carrying a token for this user."""
    return lambda user: bearer(issuer, f"user:{user.id}")


@pytest.fixture
def headers_for_roles(db: Session, issuer: TokenIssuer) -> Callable[..., Headers]:
    """Headers for a new user holding `roles` (none: a signed-in user without any role)."""

    def make(*roles: Role) -> Headers:
        return bearer(issuer, f"user:{make_user(db, roles=roles).id}")

    return make


@pytest.fixture
def make_api_client(db: Session) -> Callable[..., tuple[ApiClient, str]]:
    """A new API client with `scopes`, and its secret."""

    def make(*scopes: ApiScope, name: str | None = None) -> tuple[ApiClient, str]:
        data = ApiClientCreate(name=name or f"system {utcnow().timestamp()}", scopes=list(scopes))
        return create_api_client(session=db, actor=Actor.operator("test"), data=data)

    return make


@pytest.fixture
def headers_for_scopes(
    issuer: TokenIssuer, make_api_client: Callable[..., tuple[ApiClient, str]]
) -> Callable[..., Headers]:
    """Headers for a new API client granted `scopes`."""

    def make(*scopes: ApiScope) -> Headers:
        api_client, _ = make_api_client(*scopes)
        return bearer(issuer, f"client:{api_client.id}", frozenset(s.value for s in scopes))

    return make
