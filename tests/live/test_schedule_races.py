"""Sessions and attendance against a real server: coordinators tapping the same supporter's
attendance at once, and scheduling side by side. The database decides (an upsert on the
attendance row under a lock on the supporter); nobody gets a 500."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.columns import utcnow
from domain.program_settings.service import get_program_settings
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter
from domain.users.passwords import hash_password
from tests.databases import sibling_database_url
from tests.factories import make_attendance, make_program_session, make_supporter, make_user
from tests.live.server import LiveServer, at_once, running_server
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "a coordinator's live password"
TAPS = ("attended", "excused", "absent")


@dataclass
class Coordinator:
    http: httpx.Client
    csrf: str


def signed_in_coordinators(server: LiveServer, count: int) -> list[Coordinator]:
    """`count` coordinators, each signed in through the sign-in page in a browser of their own,
    with the CSRF token their pages carry."""
    password_hash = hash_password(PASSWORD)
    emails = server.seed(
        lambda session: [
            make_user(session, roles=(Role.coordinator,), password_hash=password_hash).email
            for _ in range(count)
        ]
    )
    signed_in = []
    for email in emails:
        http = server.client()
        check = "a-sign-in-check-for-the-race"
        http.cookies.set(SIGN_IN_CHECK_COOKIE, check, path="/sign-in")
        answer = http.post(
            "/sign-in", data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check}
        )
        assert answer.status_code == 303, answer.text
        page = http.get("/schedule")
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        signed_in.append(Coordinator(http, found.group(1)))
    return signed_in


def rows_of(server: LiveServer, session_id: int, supporter_id: int) -> list[str]:
    with Session(server.engine) as session:
        query = select(Attendance.status).where(
            Attendance.session_id == session_id, Attendance.supporter_id == supporter_id
        )
        return [str(status) for status in session.exec(query)]


def test_coordinators_tapping_the_same_supporter_at_once_leave_one_row(
    live_server: LiveServer,
) -> None:
    coordinators = signed_in_coordinators(live_server, 2)

    def rows(session: Session) -> tuple[int, int]:
        supporter = make_supporter(session)
        held = make_program_session(session, starts_at=utcnow() - timedelta(minutes=30))
        assert held.id is not None
        assert supporter.id is not None
        return held.id, supporter.id

    session_id, supporter_id = live_server.seed(rows)
    try:
        for round_number in range(4):
            taps = [TAPS[(round_number + n) % 3] for n in range(6)]

            def tap(n: int, taps: list[str] = taps) -> httpx.Response:
                who = coordinators[n % 2]
                headers = {"HX-Request": "true", "X-CSRF-Token": who.csrf} if n % 3 else {}
                return who.http.post(
                    f"/schedule/{session_id}/attendance/{supporter_id}",
                    data={"status": taps[n], "csrf_token": who.csrf},
                    headers=headers,
                )

            answers = at_once(6, tap)
            assert Counter(a.status_code < 400 for a in answers) == Counter({True: 6}), [
                (a.status_code, a.text[:300]) for a in answers if a.status_code >= 400
            ]
            stored = rows_of(live_server, session_id, supporter_id)
            assert len(stored) == 1
            assert stored[0] in taps
            # What a coordinator sees next is what is stored.
            page = coordinators[0].http.get(f"/schedule/{session_id}/attendance").text
            assert f'value="{stored[0]}" class="tap tap-{stored[0]}" aria-pressed="true"' in page
    finally:
        for coordinator in coordinators:
            coordinator.http.close()


@pytest.fixture(scope="module")
def own_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A database of its own: every held monthly session counts towards the refresher flag, so
    no other test's session may be newer than the ones the test makes."""
    with running_server(
        sibling_database_url(database_url, "refresher"), tmp_path_factory.mktemp("refresher")
    ) as own:
        yield own


def test_a_refresher_flag_stays_consistent_with_the_stored_attendance(
    own_server: LiveServer,
) -> None:
    """Two monthly sessions missed, then parallel taps on the third and newest one: with the
    threshold of 3 the flag is set exactly when the stored status is not `attended`."""
    coordinators = signed_in_coordinators(own_server, 2)

    def rows(session: Session) -> tuple[int, int]:
        assert get_program_settings(session).refresher_missed_sessions == 3
        supporter = make_supporter(session, trained_on=utcnow().date() - timedelta(days=365))
        missed = [
            make_program_session(session, starts_at=utcnow() - timedelta(days=days))
            for days in (200, 199)
        ]
        for held in missed:
            make_attendance(session, held, supporter, "absent")
        last = make_program_session(session, starts_at=utcnow() - timedelta(days=198))
        assert last.id is not None
        assert supporter.id is not None
        return last.id, supporter.id

    session_id, supporter_id = own_server.seed(rows)
    try:
        for round_number in range(4):

            def tap(n: int, r: int = round_number) -> httpx.Response:
                who = coordinators[n % 2]
                return who.http.post(
                    f"/schedule/{session_id}/attendance/{supporter_id}",
                    data={"status": ("attended", "absent", "excused")[(n + r) % 3],
                          "csrf_token": who.csrf},
                )  # fmt: skip

            answers = at_once(4, tap)
            assert all(a.status_code < 400 for a in answers), [a.text[:300] for a in answers]
            [stored] = rows_of(own_server, session_id, supporter_id)
            with Session(own_server.engine) as session:
                supporter = session.get(Supporter, supporter_id)
                assert supporter is not None
                assert supporter.needs_refresher is (stored != "attended"), (round_number, stored)
    finally:
        for coordinator in coordinators:
            coordinator.http.close()


def test_parallel_scheduling_creates_every_session(live_server: LiveServer) -> None:
    coordinators = signed_in_coordinators(live_server, 2)
    marker = f"Parallel session {time.monotonic_ns()}"
    try:
        answers = at_once(
            8,
            lambda n: coordinators[n % 2].http.post(
                "/schedule/new",
                data={
                    "csrf_token": coordinators[n % 2].csrf,
                    "kind": "monthly_session",
                    "topic": f"{marker} {n}",
                    "start_date": "2031-05-21",
                    "start_time": "17:00",
                    "duration_minutes": "60",
                },
            ),
        )
        assert [a.status_code for a in answers] == [303] * 8, [a.text[:300] for a in answers]
        with Session(live_server.engine) as session:
            created = session.exec(
                select(func.count()).where(col(ProgramSession.topic).startswith(marker))
            ).one()
        assert created == 8
    finally:
        for coordinator in coordinators:
            coordinator.http.close()
