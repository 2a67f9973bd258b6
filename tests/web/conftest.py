"""Page test helpers: people signed in through the real sign-in form, extra browsers (each
with its own cookie jar) on the same app and transaction, and checks shared by the page tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session, col, select

from domain.codes import Role
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.users.passwords import hash_password
from domain.web_sessions.models import WebSession
from tests.factories import make_supporter, make_user
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "a-long-test-passphrase"
HTML = {"accept": "text/html"}
HTMX = {"HX-Request": "true"}
PLAIN_COOKIE = "peer_session"


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Argon2 is slow on purpose: one hash serves every test."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Browser:
    """A signed-in browser: its client (cookie jar) and the session's CSRF token."""

    client: TestClient
    user: User
    csrf: str

    def form(self, **fields: Any) -> dict[str, Any]:
        return {"csrf_token": self.csrf, **fields}

    @property
    def htmx(self) -> dict[str, str]:
        """What htmx sends for a form on a page: HX-Request and the CSRF header from <body>."""
        return {**HTMX, "X-CSRF-Token": self.csrf}

    @property
    def cookie(self) -> str:
        return session_cookie(self.client)


def session_cookie(client: TestClient, name: str = PLAIN_COOKIE) -> str:
    value = client.cookies.get(name)
    assert value, f"no {name} cookie"
    return value


def latest_web_session(db: Session, user: User) -> WebSession:
    found = db.exec(
        select(WebSession).where(WebSession.user_id == user.id).order_by(col(WebSession.id).desc())
    ).first()
    assert found is not None
    return found


@pytest.fixture
def new_browser(client: TestClient) -> Iterator[Callable[..., TestClient]]:
    """Another browser on the same app (and so the same rolled-back transaction)."""
    opened: list[TestClient] = []

    def open_browser(
        base_url: str = "http://127.0.0.1", cookies: dict[str, str] | None = None
    ) -> TestClient:
        browser = TestClient(client.app, base_url=base_url, cookies=cookies)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()


@pytest.fixture
def sign_in(db: Session, client: TestClient, password_hash: str) -> Callable[..., Browser]:
    """Sign `user` in through the sign-in form, in `browser` (default: the test's client)."""

    def sign_in_as(user: User, browser: TestClient | None = None) -> Browser:
        browser = browser or client
        if user.password_hash != password_hash:
            user.password_hash = password_hash
            db.add(user)
            db.flush()
        answer = post_sign_in_form(browser, {"email": user.email, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        return Browser(client=browser, user=user, csrf=latest_web_session(db, user).csrf_token)

    return sign_in_as


def user_of(db: Session, supporter: Supporter) -> User:
    user = db.get(User, supporter.user_id)
    assert user is not None
    return user


@pytest.fixture
def supporter(db: Session) -> Supporter:
    return make_supporter(db, user=make_user(db, roles=(Role.supporter,), display_name="Sam Lee"))


@pytest.fixture
def as_supporter(db: Session, supporter: Supporter, sign_in: Callable[..., Browser]) -> Browser:
    """The test's client, signed in as an active, trained supporter (a nurse)."""
    return sign_in(user_of(db, supporter))


@pytest.fixture
def member(db: Session) -> User:
    """Signed-in people without a supporter profile see the guide and resources only."""
    return make_user(db, roles=(Role.report_viewer,), display_name="Morgan Viewer")


@pytest.fixture
def as_member(member: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(member)


# Checks.


def is_fragment(response: Response) -> bool:
    return "<html" not in response.text


def vary_of(response: Response) -> list[str]:
    return [part.strip().lower() for part in response.headers.get("vary", "").split(",")]


def goes_to_sign_in(response: Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def set_cookie_attributes(response: Response) -> tuple[str, str, dict[str, str]]:
    """The session cookie a response sets: its name, value and attributes (lower-case)."""
    header = next(
        cookie
        for cookie in response.headers.get_list("set-cookie")
        if "peer_session=" in cookie.split(";")[0]
    )
    first, *rest = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    attributes = {}
    for part in rest:
        key, _, attribute_value = part.partition("=")
        attributes[key.lower()] = attribute_value.lower()
    return name, value, attributes


def csp_directives(response: Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def assert_security_headers(response: Response) -> None:
    directives = csp_directives(response)
    script_sources = directives.get("script-src", directives.get("default-src"))
    assert script_sources is not None
    assert "'unsafe-inline'" not in script_sources
    assert "'unsafe-eval'" not in script_sources
    assert "*" not in script_sources
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in {"no-referrer", "same-origin"}


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden {name} field"
    return found.group(1)


def post_sign_in_form(browser: TestClient, data: dict[str, str]) -> Response:
    """POST the sign-in form as a browser that loaded it: with the sign-in check in its
    cookie and in the form."""
    check = "sign-in-check-for-tests"
    browser.cookies.set(SIGN_IN_CHECK_COOKIE, check, domain=browser.base_url.host, path="/sign-in")
    return browser.post(
        "/sign-in", data={**data, SIGN_IN_CHECK_FIELD: check}, follow_redirects=False
    )
