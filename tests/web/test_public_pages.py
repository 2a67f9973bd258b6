"""Pages for everyone: home, sign-in and sign-out, crisis contacts, the "set your password"
link."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session, select

from domain.auth.throttle import PAIR_LIMIT
from domain.codes import Role
from domain.columns import utcnow
from domain.users.models import User
from domain.web_sessions.models import PasswordLink
from domain.web_sessions.service import issue_password_link
from tests.factories import ADMIN, make_user
from tests.web.conftest import (
    HTML,
    HTMX,
    PASSWORD,
    Browser,
    assert_security_headers,
    goes_to_sign_in,
    hidden_value,
    post_sign_in_form,
    set_cookie_attributes,
)
from web.pages.public import SIGN_IN_FAILED
from web.session import unmask_token

NEW_PASSWORD = "another-long-passphrase"


@pytest.fixture
def person(db: Session, password_hash: str) -> User:
    return make_user(
        db,
        roles=(Role.coordinator,),
        email="casey@hospital.example.org",
        display_name="Casey Coordinator",
        password_hash=password_hash,
    )


def post_sign_in(
    client: TestClient, email: str, password: str, next_path: str | None = None
) -> Response:
    data = {"email": email, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return post_sign_in_form(client, data)


# Home and crisis help.


def test_home_signed_out_offers_sign_in_and_crisis_help(client: TestClient, person: User) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/sign-in"' in page.text
    assert 'href="/crisis"' in page.text
    assert "cache-control" not in page.headers


def test_home_of_a_signed_in_person_without_a_role_says_so(
    client: TestClient, db: Session, sign_in: Callable[..., Browser]
) -> None:
    sign_in(make_user(db, display_name="Morgan Nobody"))
    page = client.get("/")
    assert page.status_code == 200
    assert "Hello, Morgan" in page.text
    assert "no role in the program yet" in page.text
    assert "Welcome" not in page.text
    assert 'href="/guide"' in page.text
    assert 'href="/resources"' in page.text
    assert 'href="/log"' not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_home_of_a_supporter_starts_with_logging(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Hello, Sam" in page.text
    assert 'href="/log"' in page.text
    assert 'id="month"' in page.text
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_crisis_page_needs_no_sign_in(
    client: TestClient, sign_in: Callable[..., Browser], person: User, signed_in: bool
) -> None:
    if signed_in:
        sign_in(person)
    page = client.get("/crisis")
    assert page.status_code == 200
    assert "<h1>Crisis help</h1>" in page.text
    for link in ('href="tel:911"', 'href="tel:988"', 'href="sms:988"', 'href="sms:741741'):
        assert link in page.text
    assert "Physician Support Line" in page.text
    assert 'href="tel:18884090141"' in page.text


@pytest.mark.parametrize("path", ["/", "/crisis", "/sign-in"])
def test_the_crisis_panel_is_in_the_header_when_signed_out(client: TestClient, path: str) -> None:
    page = client.get(path)
    header = page.text.split('<header class="site-header">')[1].split("</header>")[0]
    assert 'class="crisis-button"' in header
    assert 'href="tel:988"' in header
    assert 'href="sms:741741' in header


# Signing in.


def test_the_sign_in_form_keeps_where_to_go_next(client: TestClient) -> None:
    page = client.get("/sign-in", params={"next": "/log?x=1"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert hidden_value(page.text, "next") == "/log?x=1"
    assert 'autocomplete="current-password"' in page.text
    assert_security_headers(page)


def test_a_signed_in_person_is_sent_on_from_the_sign_in_form(
    client: TestClient, as_member: Browser
) -> None:
    answer = client.get("/sign-in", params={"next": "/resources"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/resources"


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, person: User
) -> None:
    wrong_password = post_sign_in(client, person.email, "not-the-password-1")
    unknown_email = post_sign_in(client, "nobody@hospital.example.org", "not-the-password-1")
    for answer in (wrong_password, unknown_email):
        assert answer.status_code == 401
        assert SIGN_IN_FAILED in answer.text
        assert "not-the-password-1" not in answer.text
        assert "peer_session" not in answer.headers.get("set-cookie", "")
        assert answer.headers["cache-control"] == "no-store"
    assert f'value="{person.email}"' in wrong_password.text
    assert 'value="nobody@hospital.example.org"' in unknown_email.text

    # Nothing else tells the two apart (but the fresh sign-in check each form carries).
    def comparable(answer: Response, email: str) -> str:
        check = hidden_value(answer.text, "sign_in_check")
        return answer.text.replace(email, "").replace(check, "")

    assert comparable(wrong_password, person.email) == comparable(
        unknown_email, "nobody@hospital.example.org"
    )


def test_a_deactivated_account_gets_the_same_answer(
    client: TestClient, db: Session, person: User
) -> None:
    person.active = False
    db.add(person)
    db.flush()
    answer = post_sign_in(client, person.email, PASSWORD)
    assert answer.status_code == 401
    assert SIGN_IN_FAILED in answer.text
    assert "peer_session" not in answer.headers.get("set-cookie", "")


def test_the_password_is_never_echoed(client: TestClient, person: User) -> None:
    answer = post_sign_in(client, person.email, "my-secret-typo-123")
    assert "my-secret-typo-123" not in answer.text
    password_input = answer.text.split('id="password"')[1].split(">")[0]
    assert "value=" not in password_input


def test_signing_in_sets_a_strict_session_cookie_and_goes_on(
    client: TestClient, person: User
) -> None:
    answer = post_sign_in(client, person.email, PASSWORD, next_path="/resources?q=sleep")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/resources?q=sleep"
    name, value, attributes = set_cookie_attributes(answer)
    assert name == "peer_session"
    assert len(value) >= 40
    assert "httponly" in attributes
    assert attributes["samesite"] == "lax"
    assert attributes["path"] == "/"
    assert "domain" not in attributes
    assert "secure" not in attributes  # plain http on a laptop; https is tested separately
    assert client.get("/resources", params={"q": "sleep"}).status_code == 200


def test_the_email_is_matched_without_regard_to_case_or_spaces(
    client: TestClient, person: User
) -> None:
    answer = post_sign_in(client, "  Casey@Hospital.EXAMPLE.org ", PASSWORD)
    assert answer.status_code == 303


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example",
        "//evil.example/log",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_sign_in_never_sends_anyone_to_another_host(
    client: TestClient, person: User, next_path: str
) -> None:
    assert hidden_value(client.get("/sign-in", params={"next": next_path}).text, "next") == "/"
    answer = post_sign_in(client, person.email, PASSWORD, next_path=next_path)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_a_page_that_needs_sign_in_comes_back_after_it(client: TestClient, person: User) -> None:
    sent = client.get("/resources?category=eap", follow_redirects=False)
    assert goes_to_sign_in(sent)
    assert sent.headers["location"] == "/sign-in?next=%2Fresources%3Fcategory%3Deap"
    form = client.get(sent.headers["location"])
    next_path = hidden_value(form.text, "next")
    assert next_path == "/resources?category=eap"
    answer = post_sign_in(client, person.email, PASSWORD, next_path=next_path)
    assert answer.headers["location"] == "/resources?category=eap"


# Odd `next` values: each one ends up in a Location or HX-Redirect header only as "/".

ODD_NEXT_PATHS = [
    "/\u3002evil",  # an ideographic full stop: not latin-1, once a 500 in HX-Redirect
    "/log\r\nSet-Cookie: stolen=1",
    "/log\nX-Evil: 1",
    "/log\tx",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/" + "a" * 500,  # 501 characters, one more than the cap
    "/%0D%0ASet-Cookie:%20stolen=1",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/log?x=%00",
]
REQUEST_KINDS = {"plain": {}, "htmx": HTMX}


def where_it_sends(answer: Response) -> str:
    """The path a plain browser (303 Location) or htmx (HX-Redirect) is sent to."""
    assert answer.status_code < 500
    return answer.headers.get("hx-redirect") or answer.headers["location"]


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize("next_path", ODD_NEXT_PATHS)
def test_an_odd_next_on_the_sign_in_form_becomes_home(
    client: TestClient, next_path: str, kind: str
) -> None:
    page = client.get("/sign-in", params={"next": next_path}, headers=REQUEST_KINDS[kind])
    assert page.status_code == 200
    assert hidden_value(page.text, "next") == "/"


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize("next_path", ODD_NEXT_PATHS)
def test_an_odd_next_after_signing_in_sends_home(
    client: TestClient, person: User, next_path: str, kind: str
) -> None:
    client.headers.update(REQUEST_KINDS[kind])
    answer = post_sign_in(client, person.email, PASSWORD, next_path=next_path)
    assert answer.status_code == (204 if kind == "htmx" else 303)
    assert where_it_sends(answer) == "/"

    again = client.get("/sign-in", params={"next": next_path}, follow_redirects=False)
    assert where_it_sends(again) == "/"


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize("next_path", ODD_NEXT_PATHS)
def test_an_odd_next_of_a_failed_sign_in_stays_out_of_the_form(
    client: TestClient, person: User, next_path: str, kind: str
) -> None:
    client.headers.update(REQUEST_KINDS[kind])
    answer = post_sign_in(client, person.email, "not-the-password-1", next_path=next_path)
    assert answer.status_code == 401
    assert hidden_value(answer.text, "next") == "/"


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize("odd_query", ["q=%0D%0ASet-Cookie:%20stolen=1", "q=%09", "q=" + "a" * 500])
def test_a_page_with_an_odd_address_sends_to_sign_in_without_it(
    client: TestClient, odd_query: str, kind: str
) -> None:
    answer = client.get(
        f"/resources?{odd_query}", headers=REQUEST_KINDS[kind], follow_redirects=False
    )
    assert where_it_sends(answer) == "/sign-in?next=%2F"


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize(
    "next_path",
    [
        "/resources?q=sleep%20help",
        "/resources?q=caf%C3%A9",
        "/log?x=1&y=2",
        "/" + "a" * 499,  # exactly the cap of 500 characters
    ],
)
def test_a_plain_path_of_this_site_is_kept(
    client: TestClient, person: User, next_path: str, kind: str
) -> None:
    client.headers.update(REQUEST_KINDS[kind])
    form = client.get("/sign-in", params={"next": next_path})
    assert html.unescape(hidden_value(form.text, "next")) == next_path
    answer = post_sign_in(client, person.email, PASSWORD, next_path=next_path)
    assert where_it_sends(answer) == next_path


def test_repeated_failures_slow_down_sign_in_calmly(client: TestClient, person: User) -> None:
    for _ in range(PAIR_LIMIT):
        assert post_sign_in(client, person.email, "not-the-password-1").status_code == 401
    refused = post_sign_in(client, person.email, PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many attempts. Try again in about" in refused.text
    assert "Traceback" not in refused.text
    assert f'value="{person.email}"' in refused.text
    assert "peer_session" not in refused.headers.get("set-cookie", "")
    assert_security_headers(refused)
    # The email's case does not get around it.
    assert post_sign_in(client, person.email.upper(), PASSWORD).status_code == 429


def test_failures_below_the_limit_are_forgiven_by_a_success(
    client: TestClient, person: User
) -> None:
    for _ in range(PAIR_LIMIT - 1):
        post_sign_in(client, person.email, "not-the-password-1")
    assert post_sign_in(client, person.email, PASSWORD).status_code == 303


# Signing out.


def test_signing_out_ends_the_session(
    client: TestClient, as_member: Browser, new_browser: Callable[..., TestClient]
) -> None:
    cookie = as_member.cookie
    answer = client.post("/sign-out", data=as_member.form(), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    name, value, attributes = set_cookie_attributes(answer)
    assert name == "peer_session"
    assert value in {"", '""'}
    assert attributes["max-age"] == "0"
    assert goes_to_sign_in(client.get("/guide", follow_redirects=False))
    # The old cookie, kept by someone, opens nothing any more.
    kept = new_browser(cookies={"peer_session": cookie})
    assert goes_to_sign_in(kept.get("/guide", follow_redirects=False))


def test_the_sign_out_button_is_on_every_signed_in_page(
    client: TestClient, as_member: Browser
) -> None:
    page = client.get("/guide")
    assert 'action="/sign-out"' in page.text
    assert unmask_token(hidden_value(page.text, "csrf_token")) == as_member.csrf


# The "set your password" link.


@pytest.fixture
def invited(db: Session) -> User:
    return make_user(db, roles=(Role.supporter,), email="riley@hospital.example.org")


@pytest.fixture
def link(db: Session, invited: User) -> str:
    assert invited.id is not None
    return issue_password_link(session=db, actor=ADMIN, user_id=invited.id)


def set_password(
    client: TestClient, link: str, password: str, confirm: str | None = None
) -> Response:
    return client.post(
        f"/set-password/{link}",
        data={"password": password, "confirm": password if confirm is None else confirm},
        headers=HTML,
        follow_redirects=False,
    )


def test_the_set_password_link_works_once(client: TestClient, link: str, invited: User) -> None:
    form = client.get(f"/set-password/{link}")
    assert form.status_code == 200
    assert form.headers["cache-control"] == "no-store"
    assert 'autocomplete="new-password"' in form.text
    done = set_password(client, link, NEW_PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/sign-in?password=set"
    assert "Your password is set" in client.get(done.headers["location"]).text
    again = client.get(f"/set-password/{link}", headers=HTML)
    assert again.status_code == 404
    assert "This link is not valid any more" in again.text
    assert set_password(client, link, "yet-another-passphrase").status_code == 404
    # The password chosen through the link signs in; the link's second try changed nothing.
    assert post_sign_in(client, invited.email, NEW_PASSWORD).status_code == 303
    assert post_sign_in(client, invited.email, "yet-another-passphrase").status_code == 401


def test_a_too_short_password_is_refused_beside_the_field(client: TestClient, link: str) -> None:
    page = set_password(client, link, "short-pass")
    assert page.status_code == 422
    assert 'id="password-error"' in page.text
    assert "Use a password of 12 to 256 characters." in page.text
    assert "short-pass" not in page.text
    # The link still works.
    assert set_password(client, link, NEW_PASSWORD).status_code == 303


def test_mismatched_passwords_are_caught(client: TestClient, link: str) -> None:
    page = set_password(client, link, NEW_PASSWORD, confirm="another-long-passphrasE")
    assert page.status_code == 422
    assert 'id="confirm-error"' in page.text
    assert "The two passwords differ." in page.text
    assert NEW_PASSWORD not in page.text


def test_an_expired_link_gets_a_calm_not_found_page(
    client: TestClient, db: Session, link: str
) -> None:
    row = db.exec(select(PasswordLink)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.flush()
    page = client.get(f"/set-password/{link}", headers=HTML)
    assert page.status_code == 404
    assert "Ask an admin for a new one." in page.text
    assert "<form" not in page.text.split("<main")[1]
    # Posting to it is refused as well, whatever is sent.
    assert set_password(client, link, NEW_PASSWORD).status_code == 404
    assert set_password(client, link, "short").status_code == 404


@pytest.mark.parametrize("token", ["made-up", "x" * 300])
def test_a_wrong_set_password_link_gets_a_clear_page(client: TestClient, token: str) -> None:
    page = client.get(f"/set-password/{token}", headers=HTML)
    assert page.status_code == 404
    assert "not valid" in page.text


def test_setting_a_password_ends_the_sessions_the_account_had(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
    invited: User,
    link: str,
) -> None:
    elsewhere = sign_in(invited, new_browser())
    assert elsewhere.client.get("/guide").status_code == 200
    assert set_password(client, link, NEW_PASSWORD).status_code == 303
    assert goes_to_sign_in(elsewhere.client.get("/guide", follow_redirects=False))
