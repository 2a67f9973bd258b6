"""The log page's `Idempotency-Key` against a real server (SQLite and PostgreSQL): the phone's
outbox may send the same saved log from two tabs, or retry while its first POST is still being
written. Parallel POST /log with one key make exactly one encounter and never a 500; each key
of its own makes its own encounter."""

from __future__ import annotations

import itertools
from collections import Counter

import httpx
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.encounters.models import Encounter
from domain.users.passwords import hash_password
from tests.factories import make_supporter, make_user
from tests.live.server import LiveServer, at_once
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PARALLEL = 12
PASSWORD = "a live outbox passphrase"
FIELDS = {
    "setting": "icu",
    "peer_profession": "physician",
    "duration_band": "under_15",
    "stressors": ["personal", "workload_burnout"],
    "elements": ["listening"],
    "support_types": ["emotional"],
}
_numbers = itertools.count(1)


def signed_in_supporter(server: LiveServer) -> tuple[httpx.Client, int]:
    """A supporter signed in through the sign-in page, and their supporter id."""
    password_hash = hash_password(PASSWORD)

    def make(session: Session) -> tuple[str, int]:
        user = make_user(session, password_hash=password_hash, roles=(Role.supporter,))
        supporter = make_supporter(session, user=user, max_encounters_per_month=60)
        assert supporter.id is not None
        return user.email, supporter.id

    email, supporter_id = server.seed(make)
    http = server.client()
    check = "a-sign-in-check-for-the-outbox"
    http.cookies.set(SIGN_IN_CHECK_COOKIE, check, path="/sign-in")
    signed_in = http.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    return http, supporter_id


def outbox_headers(http: httpx.Client, key: str) -> dict[str, str]:
    """What the outbox sends: a CSRF token fetched afresh, the key, and HX-Request."""
    token = http.get("/session/csrf-token")
    assert token.status_code == 200, token.text
    return {
        "X-CSRF-Token": token.json()["csrf_token"],
        "Idempotency-Key": key,
        "HX-Request": "true",
    }


def encounters(server: LiveServer, supporter_id: int) -> int:
    with Session(server.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Encounter)
            .where(col(Encounter.supporter_id) == supporter_id)
        ).one()


def still_in_progress(answer: httpx.Response) -> bool:
    return answer.status_code == 409 and int(answer.headers["Retry-After"]) >= 1


def test_parallel_saves_with_one_key_log_one_encounter(live_server: LiveServer) -> None:
    http, supporter_id = signed_in_supporter(live_server)
    headers = outbox_headers(http, f"outbox-same-{next(_numbers)}")
    try:
        answers = at_once(PARALLEL, lambda _: http.post("/log", data=FIELDS, headers=headers))
    finally:
        http.close()

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 409}, [(a.status_code, a.text[-300:]) for a in answers]
    assert statuses[200] >= 1
    assert all(still_in_progress(a) for a in answers if a.status_code == 409)
    confirmed = [a for a in answers if a.status_code == 200]
    assert all(a.headers["HX-Trigger"] == "encounter-logged" for a in confirmed)
    assert len({a.text for a in confirmed}) == 1, "every confirmation is the first one"
    assert encounters(live_server, supporter_id) == 1


def test_a_retry_after_the_answer_was_lost_confirms_again_and_logs_nothing_more(
    live_server: LiveServer,
) -> None:
    http, supporter_id = signed_in_supporter(live_server)
    key = f"outbox-retry-{next(_numbers)}"
    try:
        first = http.post("/log", data=FIELDS, headers=outbox_headers(http, key))
        retried = http.post("/log", data=FIELDS, headers=outbox_headers(http, key))
        other = http.post(
            "/log", data=FIELDS | {"setting": "office"}, headers=outbox_headers(http, key)
        )
    finally:
        http.close()
    assert first.status_code == 200, first.text
    assert (retried.status_code, retried.text) == (200, first.text)
    assert other.status_code == 422
    assert "already saved from this phone, with other answers" in other.text
    assert encounters(live_server, supporter_id) == 1


def test_parallel_saves_with_their_own_keys_each_log_one(live_server: LiveServer) -> None:
    http, supporter_id = signed_in_supporter(live_server)
    batch = next(_numbers)
    headers = [outbox_headers(http, f"outbox-own-{batch}-{n}") for n in range(PARALLEL)]
    try:
        answers = at_once(PARALLEL, lambda n: http.post("/log", data=FIELDS, headers=headers[n]))
    finally:
        http.close()
    assert [a.status_code for a in answers] == [200] * PARALLEL, [a.text[-300:] for a in answers]
    assert encounters(live_server, supporter_id) == PARALLEL
