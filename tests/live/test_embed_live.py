"""The embed against a real server and real commits: embed origins saved through the settings
form show in the embed's `frame-ancestors` on the next request (a new ETag, so no cache keeps the
old policy), a bad one is refused and changes nothing; many embeds and feed preflights at once,
from a browser that sends its session cookie, all answer, set no cookie and leave the session
untouched."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session, col, select

from domain.codes import Role
from domain.program_settings.service import get_program_settings
from domain.users.passwords import hash_password
from domain.web_sessions.models import WebSession
from tests.factories import make_user
from tests.live.server import LiveServer, at_once
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "an admin embedding the directory"
HTML = {"accept": "text/html"}
EMBED = "/embed/directory"


def frame_ancestors(answer: httpx.Response) -> list[str]:
    policy = answer.headers["content-security-policy"]
    directive = next(d.strip() for d in policy.split(";") if "frame-ancestors" in d)
    return directive.split()[1:]


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[tuple[httpx.Client, str, int]]:
    """A signed-in admin's browser, the settings form's CSRF token and the user id; the embed
    origins are put back as they were."""
    password_hash = hash_password(PASSWORD)
    user_id, email = live_server.seed(
        lambda session: (lambda user: (user.id, user.email))(
            make_user(session, roles=(Role.admin,), password_hash=password_hash)
        )
    )
    kept = live_server.seed(lambda session: list(get_program_settings(session).embed_origins))
    http = live_server.client()
    check = "a-sign-in-check-for-this-test"
    http.cookies.set(SIGN_IN_CHECK_COOKIE, check, domain="127.0.0.1", path="/sign-in")
    signed = http.post(
        "/sign-in", data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check}
    )
    assert signed.status_code == 303, signed.text
    token = re.search(
        r'name="csrf_token" value="([^"]*)"', http.get("/settings", headers=HTML).text
    )
    assert token
    assert user_id is not None
    try:
        yield http, token.group(1), user_id
    finally:
        http.close()

        def restore(session: Session) -> None:
            settings = get_program_settings(session)
            settings.embed_origins = kept
            session.add(settings)

        live_server.seed(restore)


def save_origins(http: httpx.Client, token: str, origins: str) -> httpx.Response:
    return http.post(
        "/settings", data={"embed_origins": origins, "csrf_token": token}, headers=HTML
    )


def test_saved_embed_origins_frame_the_embed_at_once_and_bad_ones_change_nothing(
    live_server: LiveServer, admin: tuple[httpx.Client, str, int]
) -> None:
    http, token, _ = admin
    with live_server.client() as visitor:
        before = visitor.get(EMBED)
        assert (
            save_origins(
                http, token, "https://intranet.example.org\nhttp://localhost:8080"
            ).status_code
            == 303
        )

        after = visitor.get(EMBED, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert frame_ancestors(after) == ["https://intranet.example.org", "http://localhost:8080"]
        assert "x-frame-options" not in after.headers

        refused = save_origins(http, token, "https://intranet.example.org; script-src *")
        assert refused.status_code == 422
        assert "is not an origin" in refused.text
        same = visitor.get(EMBED, headers={"If-None-Match": after.headers["etag"]})
        assert same.status_code == 304
        assert frame_ancestors(same) == ["https://intranet.example.org", "http://localhost:8080"]
    assert "Traceback" not in live_server.log()


def test_many_embeds_at_once_leave_the_session_alone_and_set_no_cookie(
    live_server: LiveServer, admin: tuple[httpx.Client, str, int]
) -> None:
    http, _, user_id = admin

    def seen(session: Session) -> list[object]:
        rows = session.exec(select(WebSession).where(col(WebSession.user_id) == user_id))
        return [row.last_seen_at for row in rows]

    before = live_server.seed(seen)
    addresses = [EMBED, f"{EMBED}?theme=dark", f"{EMBED}?q=crisis", "/embed/directory.js",
                 "/directory", f"{EMBED}?theme=neon"]  # fmt: skip

    def visit(index: int) -> httpx.Response:
        return http.get(addresses[index % len(addresses)], headers=HTML)

    answers = at_once(12, visit)

    for answer in answers:
        assert answer.status_code == (422 if "neon" in str(answer.url) else 200), answer.url
        assert "set-cookie" not in answer.headers
    assert live_server.seed(seen) == before

    def preflight(index: int) -> httpx.Response:
        feed = ("/api/v1/directory", "/api/v1/directory/hsds")[index % 2]
        return httpx.options(
            live_server.url + feed,
            headers={"Origin": "https://intranet.example.org",
                     "Access-Control-Request-Method": "GET",
                     "Access-Control-Request-Headers": "if-none-match"},
        )  # fmt: skip

    for answer in at_once(6, preflight):
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == "*"
    assert "Traceback" not in live_server.log()
