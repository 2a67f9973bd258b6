"""A log form saved twice at once (a double tap) after its session ended, against a live
server (SQLite and PostgreSQL): both taps go to sign-in with the "kept" notice, the database
keeps exactly one form for the person (the unique constraint and the upsert decide), nobody
gets a 500, and nothing is logged. Then, through the real request edge: signing in again
shows the form, and saving it while the phone sends the same log again with its
Idempotency-Key (both at once) logs one encounter and forgets the form."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.columns import utcnow
from domain.encounters.models import Encounter
from domain.kept_forms.models import KeptForm
from domain.program_settings.service import get_program_settings
from domain.users.passwords import hash_password
from domain.web_sessions.models import WebSession
from domain.web_sessions.service import sign_in
from tests.factories import make_supporter, make_user
from tests.live.server import LiveServer, at_once

PASSWORD = "a kept form's long password"
TAPS = 4
KEY = {"Idempotency-Key": "a-late-log-kept-with-its-key"}
LATE_FORM = {
    "occurred_on": utcnow().date().isoformat(), "setting": "icu", "peer_profession": "physician",
    "duration_band": "15_to_30", "stressors": ["adverse_event"], "elements": ["listening"],
    "support_types": ["emotional"], "modality": "in_person",
    "initiated_by": "supporter_approach", "peer_org_relation": "unknown", "escalation": "none",
    "follow_up": "none",
}  # fmt: skip


def a_supporter_whose_session_ended(session: Session) -> tuple[int, str, str, str]:
    """The user's id, email, the cookie's token and the CSRF token of a session that ended a
    minute ago (idle one minute past the program's limit)."""
    user = make_user(session, roles=(Role.supporter,), password_hash=hash_password(PASSWORD))
    make_supporter(session, user=user)
    opened = sign_in(session, email=user.email, password=PASSWORD, ip="127.0.0.1",
                     previous_token=None)  # fmt: skip
    assert opened is not None
    assert user.id is not None
    idle = timedelta(minutes=get_program_settings(session).session_idle_minutes)
    opened.web_session.last_seen_at = utcnow() - idle - timedelta(minutes=1)
    session.add(opened.web_session)
    return user.id, user.email, opened.token, opened.web_session.csrf_token


def kept_forms_of(server: LiveServer, user_id: int) -> int:
    with Session(server.engine) as session:
        query = select(func.count()).select_from(KeptForm).where(col(KeptForm.user_id) == user_id)
        return session.exec(query).one()


def encounters_in(server: LiveServer) -> int:
    with Session(server.engine) as session:
        return session.exec(select(func.count()).select_from(Encounter)).one()


def test_a_double_tap_after_the_session_ended_keeps_one_form_and_it_saves_once(
    live_server: LiveServer,
) -> None:
    user_id, email, token, csrf = live_server.seed(a_supporter_whose_session_ended)
    encounters_before = encounters_in(live_server)

    def tap(_: int) -> httpx.Response:
        with live_server.client(cookies={"peer_session": token}) as http:
            return http.post("/log", data={**LATE_FORM, "csrf_token": csrf}, headers=KEY)

    answers = at_once(TAPS, tap)

    assert [a.status_code for a in answers] == [303] * TAPS, [a.text for a in answers]
    assert {a.headers["location"] for a in answers} == {"/sign-in?next=%2Flog&kept=1"}
    assert kept_forms_of(live_server, user_id) == 1
    assert encounters_in(live_server) == encounters_before

    with live_server.client(cookies={"peer_session": token}) as http:
        sign_in_page = http.get("/sign-in?next=%2Flog&kept=1")
        check = re.search(r'name="sign_in_check" value="([^"]+)"', sign_in_page.text)
        assert check is not None
        signed_in = http.post("/sign-in", data={
            "email": email, "password": PASSWORD, "next": "/log", "kept": "1",
            "sign_in_check": check.group(1),
        })  # fmt: skip
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/log"
        page = http.get("/log").text
        assert "Your session ended before this was saved." in page
        assert 'name="setting" value="icu" checked' in page
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]+)">', page))
        assert hidden["idempotency_key"] == KEY["Idempotency-Key"]
        restored = {**LATE_FORM, **hidden}  # the csrf_token, kept_form_id and the key
        cookies = {"peer_session": signed_in.cookies["peer_session"]}

    def save_or_resend(index: int) -> httpx.Response:
        """The person saves the restored form while the phone sends the log again."""
        with live_server.client(cookies=cookies) as http:
            if index == 0:
                return http.post("/log", data=restored)
            resent = {**LATE_FORM, "csrf_token": restored["csrf_token"]}
            return http.post("/log", data=resent, headers=KEY)

    saved = at_once(2, save_or_resend)
    assert [a.status_code for a in saved] == [303, 303], [a.text for a in saved]
    assert {a.headers["location"] for a in saved} == {"/log?logged=1"}

    assert encounters_in(live_server) == encounters_before + 1
    assert kept_forms_of(live_server, user_id) == 0
    with Session(live_server.engine) as session:  # the ended session went at sign-in
        sessions = select(WebSession).where(col(WebSession.user_id) == user_id)
        assert len(session.exec(sessions).all()) == 1
