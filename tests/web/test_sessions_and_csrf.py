"""The pages' sessions (cookie, rotation, timeouts, sign-out, https) and the CSRF token every
state-changing request carries; security headers on every HTML answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from domain.columns import utcnow
from domain.debriefs.models import DebriefRequest
from domain.encounters.models import Encounter
from domain.program_settings.service import get_program_settings
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.web_sessions.models import WebSession
from tests.factories import make_supporter
from tests.web.conftest import (
    HTML,
    HTMX,
    PASSWORD,
    PLAIN_COOKIE,
    Browser,
    assert_security_headers,
    goes_to_sign_in,
    hidden_value,
    is_fragment,
    latest_web_session,
    post_sign_in_form,
    set_cookie_attributes,
    user_of,
    vary_of,
)
from tests.web.test_supporter_pages import SIGNED_IN_PAGES, log, valid_form
from web.session import unmask_token

SECURE_COOKIE = "__Host-peer_session"


def state(db: Session) -> tuple[Any, ...]:
    """Everything a state-changing page could change, read from the database."""
    encounters = db.exec(
        select(Encounter.id, Encounter.setting, Encounter.duration_band).order_by(col(Encounter.id))
    ).all()
    debriefs = db.exec(select(DebriefRequest.id, DebriefRequest.urgency)).all()
    sessions = db.exec(select(WebSession.id).order_by(col(WebSession.id))).all()
    availability = db.exec(select(Supporter.id, Supporter.available)).all()
    return tuple(encounters), tuple(debriefs), tuple(sessions), tuple(availability)


def still_signed_in(browser: TestClient) -> bool:
    return browser.get("/guide", follow_redirects=False).status_code == 200


@dataclass(frozen=True)
class StateChange:
    path: str
    fields: dict[str, Any] = field(default_factory=dict)
    redirect: str | None = None  # where a plain form goes on success; None: a 200 fragment


EXPIRED = "This form has expired. Go back, reload the page and try again."
REFUSED_MESSAGES = {
    "log": "Not saved yet: you signed in again since this page opened.",
    "edit": "Not saved yet: you signed in again since this page opened.",
    "debrief": "Not sent yet: you signed in again since this page opened.",
}
STATE_CHANGES = {
    "log": StateChange("/log", valid_form(setting="office"), "/log?logged=1"),
    "edit": StateChange(
        "/encounters/{id}/edit", valid_form(setting="office"), "/encounters?changed=1"
    ),
    "delete": StateChange("/encounters/{id}/delete", {}, "/encounters?deleted=1"),
    "debrief": StateChange("/debrief", {"urgency": "today"}, "/debrief?sent=1"),
    "availability": StateChange("/availability", {"available": "no"}, "/"),
    "sign-out": StateChange("/sign-out", {}, "/"),
}


@pytest.fixture
def encounter_id(db: Session, supporter: Supporter) -> int:
    encounter = log(db, supporter)
    assert encounter.id is not None
    return encounter.id


def post(
    browser: TestClient,
    change: StateChange,
    encounter_id: int,
    data: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Any:
    return browser.post(
        change.path.format(id=encounter_id),
        data={**change.fields, **data},
        headers={**HTML, **(headers or {})},
        follow_redirects=False,
    )


# CSRF.


@pytest.mark.parametrize("name", STATE_CHANGES)
@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_state_change_without_the_sessions_token_changes_nothing(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    encounter_id: int,
    name: str,
    token: str | None,
) -> None:
    before = state(db)
    data = {} if token is None else {"csrf_token": token}
    refused = post(client, STATE_CHANGES[name], encounter_id, data)
    assert refused.status_code == 403
    # The supporter forms come back filled in to be confirmed (tests/web/test_kept_forms.py).
    assert REFUSED_MESSAGES.get(name, EXPIRED) in refused.text
    assert_security_headers(refused)
    assert state(db) == before
    assert still_signed_in(client)


@pytest.mark.parametrize("name", STATE_CHANGES)
def test_a_state_change_with_the_form_field_works(
    client: TestClient, db: Session, as_supporter: Browser, encounter_id: int, name: str
) -> None:
    change = STATE_CHANGES[name]
    before = state(db)
    answer = post(client, change, encounter_id, as_supporter.form())
    assert answer.status_code == 303
    assert answer.headers["location"] == change.redirect
    assert state(db) != before


@pytest.mark.parametrize("name", STATE_CHANGES)
def test_a_state_change_with_the_htmx_header_works(
    client: TestClient, db: Session, as_supporter: Browser, encounter_id: int, name: str
) -> None:
    change = STATE_CHANGES[name]
    before = state(db)
    answer = post(client, change, encounter_id, {}, headers=as_supporter.htmx)
    if name == "log":
        assert answer.status_code == 200
        assert answer.headers["hx-trigger"] == "encounter-logged"
        assert is_fragment(answer)
    else:
        assert answer.status_code == 204
        assert answer.headers["hx-redirect"] == change.redirect
    assert state(db) != before


@pytest.mark.parametrize("name", STATE_CHANGES)
@pytest.mark.parametrize("as_header", [False, True])
def test_the_token_of_another_session_is_refused(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
    encounter_id: int,
    name: str,
    as_header: bool,
) -> None:
    # The same person signed in on another device has another session and another token.
    elsewhere = sign_in(as_supporter.user, new_browser())
    assert elsewhere.csrf != as_supporter.csrf
    before = state(db)
    if as_header:
        refused = post(
            client, STATE_CHANGES[name], encounter_id, {}, {**HTMX, "X-CSRF-Token": elsewhere.csrf}
        )
    else:
        refused = post(client, STATE_CHANGES[name], encounter_id, {"csrf_token": elsewhere.csrf})
    assert refused.status_code == 403
    assert state(db) == before


@pytest.mark.parametrize("right", ["header", "field"])
def test_the_sessions_token_as_header_or_as_form_field_is_enough(
    client: TestClient, db: Session, as_supporter: Browser, right: str
) -> None:
    """Both are the session's secret: a form re-rendered with a new session's token is sent
    by htmx with the old page's header (web/session.py `csrf_sent`)."""
    header = as_supporter.csrf if right == "header" else "stale"
    field = as_supporter.csrf if right == "field" else "stale"
    answer = client.post(
        "/availability",
        data={"available": "no", "csrf_token": field},
        headers={**HTML, "X-CSRF-Token": header},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    refused = client.post(
        "/availability",
        data={"available": "no", "csrf_token": "stale"},
        headers={**HTML, "X-CSRF-Token": "stale"},
    )
    assert refused.status_code == 403


def test_signed_out_posts_go_to_sign_in_and_change_nothing(
    client: TestClient, db: Session, supporter: Supporter, encounter_id: int
) -> None:
    before = state(db)
    for change in STATE_CHANGES.values():
        answer = post(client, change, encounter_id, {"csrf_token": "anything"})
        assert goes_to_sign_in(answer)
    assert state(db) == before


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_no_get_changes_anything(
    client: TestClient, db: Session, as_supporter: Browser, encounter_id: int, path: str
) -> None:
    before = state(db)
    query = {**valid_form(setting="office"), "urgency": "today", "csrf_token": as_supporter.csrf}
    page = client.get(path.format(id=encounter_id), params=query)
    assert page.status_code == 200
    assert state(db) == before


def test_signing_out_needs_a_post(client: TestClient, db: Session, as_supporter: Browser) -> None:
    before = state(db)
    answer = client.get("/sign-out", params={"csrf_token": as_supporter.csrf}, headers=HTML)
    assert answer.status_code == 405
    assert state(db) == before
    assert still_signed_in(client)


def test_the_token_is_on_every_form_and_on_body_for_htmx(
    client: TestClient, as_supporter: Browser, encounter_id: int
) -> None:
    for path in ("/log", f"/encounters/{encounter_id}/edit", f"/encounters/{encounter_id}/delete"):
        page = client.get(path).text
        forms = page.count('<form method="post"')
        assert forms >= 2  # the page's form and sign-out
        tokens = re.findall(r'name="csrf_token" value="([^"]+)"', page)
        assert len(tokens) == forms
        assert {unmask_token(token) for token in tokens} == {as_supporter.csrf}
        header_token = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
        assert header_token is not None
        assert unmask_token(header_token.group(1)) == as_supporter.csrf


# The session cookie and the session behind it.


def test_the_session_rotates_at_sign_in(
    client: TestClient,
    db: Session,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    old_cookie = as_supporter.cookie
    again = sign_in(as_supporter.user)  # the same browser, sending its old cookie
    assert again.cookie != old_cookie
    assert again.csrf != as_supporter.csrf
    assert still_signed_in(client)
    assert not still_signed_in(new_browser(cookies={PLAIN_COOKIE: old_cookie}))
    assert len(db.exec(select(WebSession)).all()) == 1


def test_a_planted_cookie_does_not_survive_sign_in(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    """Session fixation: someone plants their own session cookie in a browser; signing in
    there issues a new session and ends the planted one."""
    planted = sign_in(user_of(db, make_supporter(db)), new_browser()).cookie
    client.cookies.set(PLAIN_COOKIE, planted, domain="127.0.0.1")
    browser = sign_in(user_of(db, supporter))
    assert browser.cookie != planted
    assert "Hello, Sam" in client.get("/").text
    assert not still_signed_in(new_browser(cookies={PLAIN_COOKIE: planted}))


def test_signing_in_on_another_device_keeps_the_first_session(
    client: TestClient,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    elsewhere = sign_in(as_supporter.user, new_browser())
    assert still_signed_in(client)
    assert still_signed_in(elsewhere.client)


def test_signing_out_ends_only_that_session(
    client: TestClient,
    as_supporter: Browser,
    sign_in: Callable[..., Browser],
    new_browser: Callable[..., TestClient],
) -> None:
    elsewhere = sign_in(as_supporter.user, new_browser())
    old_cookie = as_supporter.cookie
    client.post("/sign-out", data=as_supporter.form())
    assert not still_signed_in(client)
    assert not still_signed_in(new_browser(cookies={PLAIN_COOKIE: old_cookie}))
    assert still_signed_in(elsewhere.client)


@pytest.mark.parametrize("cookie", ["", "garbage", "x" * 5000])
def test_an_unknown_cookie_is_simply_signed_out(
    new_browser: Callable[..., TestClient], cookie: str
) -> None:
    browser = new_browser(cookies={PLAIN_COOKIE: cookie})
    assert goes_to_sign_in(browser.get("/guide", follow_redirects=False))
    assert browser.get("/").status_code == 200


def test_an_idle_session_ends_after_the_programs_idle_minutes(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    settings = get_program_settings(db)
    settings.session_idle_minutes = 60
    db.add(settings)
    web_session = latest_web_session(db, as_supporter.user)
    web_session.last_seen_at = utcnow() - timedelta(minutes=45)
    db.add(web_session)
    db.flush()
    assert still_signed_in(client)  # 45 minutes idle: fine with a 60-minute setting
    db.refresh(web_session)
    assert utcnow() - web_session.last_seen_at < timedelta(minutes=1)  # and touched
    web_session.last_seen_at = utcnow() - timedelta(minutes=61)
    db.add(web_session)
    db.flush()
    answer = client.get("/log", follow_redirects=False)
    assert goes_to_sign_in(answer)
    assert answer.headers["location"] == "/sign-in?next=%2Flog"


def test_a_session_ends_at_its_absolute_lifetime_however_active(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    web_session = latest_web_session(db, as_supporter.user)
    web_session.expires_at = utcnow() - timedelta(seconds=1)
    db.add(web_session)
    db.flush()
    assert not still_signed_in(client)


def test_the_lifetime_comes_from_the_program_settings(
    client: TestClient, db: Session, supporter: Supporter, password_hash: str
) -> None:
    settings = get_program_settings(db)
    settings.session_absolute_hours = 3
    db.add(settings)
    user = user_of(db, supporter)
    user.password_hash = password_hash
    db.add(user)
    db.flush()
    answer = post_sign_in_form(client, {"email": user.email, "password": PASSWORD})
    web_session = latest_web_session(db, user)
    assert web_session.expires_at - web_session.created_at == timedelta(hours=3)
    _, _, attributes = set_cookie_attributes(answer)
    assert attributes["max-age"] == str(3 * 3600)  # the cookie lives no longer than the session


def test_a_failed_sign_in_leaves_the_current_session_alone(
    client: TestClient, as_supporter: Browser
) -> None:
    answer = post_sign_in_form(
        client, {"email": as_supporter.user.email, "password": "not-the-password-1"}
    )
    assert answer.status_code == 401
    assert still_signed_in(client)


def test_a_deactivated_persons_session_stops_working(
    client: TestClient, db: Session, as_supporter: Browser
) -> None:
    user = db.get(User, as_supporter.user.id)
    assert user is not None
    user.active = False
    db.add(user)
    db.flush()
    assert not still_signed_in(client)


def test_over_https_the_cookie_is_host_only_and_secure(
    db: Session, supporter: Supporter, password_hash: str, new_browser: Callable[..., TestClient]
) -> None:
    user = user_of(db, supporter)
    user.password_hash = password_hash
    db.add(user)
    db.flush()
    browser = new_browser(base_url="https://127.0.0.1")  # an allowed host over https as well
    answer = post_sign_in_form(browser, {"email": user.email, "password": PASSWORD})
    assert answer.status_code == 303
    # __Host- makes browsers insist on Secure, Path=/ and no Domain.
    name, _, attributes = set_cookie_attributes(answer)
    assert name == SECURE_COOKIE
    assert "secure" in attributes
    assert "httponly" in attributes
    assert attributes["samesite"] == "lax"
    assert attributes["path"] == "/"
    assert "domain" not in attributes
    assert PLAIN_COOKIE not in browser.cookies
    page = browser.get("/guide")
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=")
    # Signing out over https clears the secure cookie and ends the session.
    csrf = latest_web_session(db, user).csrf_token
    out = browser.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    name, _, attributes = set_cookie_attributes(out)
    assert name == SECURE_COOKIE
    assert attributes["max-age"] == "0"
    assert goes_to_sign_in(browser.get("/guide", follow_redirects=False))


def test_a_plain_http_cookie_is_not_read_over_https(
    as_supporter: Browser, new_browser: Callable[..., TestClient]
) -> None:
    browser = new_browser(base_url="https://127.0.0.1", cookies={PLAIN_COOKIE: as_supporter.cookie})
    assert goes_to_sign_in(browser.get("/guide", follow_redirects=False))


def test_an_unknown_host_is_refused(new_browser: Callable[..., TestClient]) -> None:
    assert new_browser(base_url="https://evil.example").get("/").status_code == 400


# Headers on every HTML answer.


@pytest.mark.parametrize(
    "path",
    ["/", "/crisis", "/sign-in", "/set-password/made-up", "/setup/made-up", "/no/such/page"],
)
def test_every_signed_out_html_answer_has_security_headers_and_vary(
    client: TestClient, db: Session, path: str
) -> None:
    make_supporter(db)  # setup is done: "/" is the public home
    page = client.get(path, headers=HTML)
    assert page.headers["content-type"].startswith("text/html")
    assert_security_headers(page)
    assert "hx-request" in vary_of(page)


@pytest.mark.parametrize("path", ["/", "/guide", "/resources", "/crisis", "/log", "/no/such"])
def test_every_html_answer_to_a_member_has_security_headers(
    client: TestClient, as_member: Browser, path: str
) -> None:
    page = client.get(path, headers=HTML)
    assert_security_headers(page)
    assert "hx-request" in vary_of(page)
    assert page.headers["cache-control"] == "no-store"


def test_fragments_and_form_errors_have_security_headers(
    client: TestClient, as_supporter: Browser
) -> None:
    for answer in (
        client.get("/resources", headers=HTMX),
        client.get("/month", headers=HTMX),
        client.post("/log", data=as_supporter.form(), headers=as_supporter.htmx),
        client.post("/log", data=as_supporter.form()),
    ):
        assert_security_headers(answer)
        assert "hx-request" in vary_of(answer)
        assert answer.headers["cache-control"] == "no-store"


def test_pages_load_only_same_origin_scripts(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/log").text
    assert "<script>" not in page
    assert "onclick=" not in page
    assert 'src="/static/htmx-2.0.11.min.js?v=' in page


def test_the_csrf_token_is_masked_afresh_in_every_page(
    client: TestClient, as_supporter: Browser
) -> None:
    """Compressed pages must never repeat the session's secret (BREACH): each page carries a
    different masked token, and each one works."""
    first = hidden_value(client.get("/log").text, "csrf_token")
    second = hidden_value(client.get("/log").text, "csrf_token")
    assert first != second
    assert as_supporter.csrf not in client.get("/log").text
    for token in (first, second):
        answer = client.post("/debrief", data={"csrf_token": token, "urgency": "today"},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303


def test_a_sign_in_form_without_its_check_is_refused(
    client: TestClient, db: Session, supporter: Supporter, password_hash: str
) -> None:
    """Login CSRF: another site posting our sign-in form (it cannot read or set the check
    cookie) does not sign the browser in."""
    user = user_of(db, supporter)
    user.password_hash = password_hash
    db.add(user)
    db.flush()
    answer = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "expired" in answer.text
    assert not still_signed_in(client)


def test_the_sign_in_form_sets_its_check_in_a_strict_cookie(client: TestClient) -> None:
    page = client.get("/sign-in")
    check = hidden_value(page.text, "sign_in_check")
    assert client.cookies.get("peer_sign_in_check") == check
    assert "samesite=strict" in page.headers["set-cookie"].lower()
