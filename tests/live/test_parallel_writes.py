"""Parallel writes against a real server: they queue for the database instead of failing.

On SQLite every unit of work takes the write lock at BEGIN (IMMEDIATE) and waits for it up to
the busy timeout; a request that still cannot get it answers 503 problem details with
Retry-After, never a 500. On PostgreSQL the same requests run side by side."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.columns import utcnow
from domain.encounters.models import Encounter
from domain.resources.models import Resource
from domain.sessions.models import Attendance
from domain.users.passwords import hash_password
from tests.databases import is_postgresql, sibling_database_url
from tests.factories import ENCOUNTER_BODY, make_program_session, make_supporter, make_user
from tests.live.server import LiveServer, at_once, running_server

PROBLEM = "application/problem+json"
PASSWORD = "parallel sign-in password"


def count(server: LiveServer, statement: Any) -> int:
    with Session(server.engine) as session:
        return int(session.exec(statement).one())


def test_20_parallel_writes_of_three_kinds_all_succeed_and_leave_20_rows(
    live_server: LiveServer,
) -> None:
    def rows(session: Session) -> dict[str, Any]:
        coordinator = make_user(session, roles=(Role.coordinator,))
        authors = [make_supporter(session) for _ in range(7)]
        attendees = [make_supporter(session) for _ in range(6)]
        program_session = make_program_session(session, starts_at=utcnow() - timedelta(hours=2))
        return {
            "coordinator": coordinator.id,
            "authors": [(s.id, s.user_id) for s in authors],
            "attendees": [s.id for s in attendees],
            "session": program_session.id,
        }

    made = live_server.seed(rows)
    coordinator = live_server.bearer(f"user:{made['coordinator']}")
    marker = f"Parallel {time.monotonic_ns()}"
    writes: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
        ("POST", "/api/v1/encounters", live_server.bearer(f"user:{user_id}"), ENCOUNTER_BODY)
        for _, user_id in made["authors"]
    ]
    writes += [
        ("POST", "/api/v1/resources", coordinator, {"title": f"{marker} {n}", "category": "other"})
        for n in range(7)
    ]
    writes += [
        ("PUT", f"/api/v1/sessions/{made['session']}/attendance/{supporter_id}", coordinator,
         {"status": "attended"})
        for supporter_id in made["attendees"]
    ]  # fmt: skip
    assert len(writes) == 20

    with live_server.client() as http:
        answers = at_once(
            20, lambda n: http.request(writes[n][0], writes[n][1], headers=writes[n][2],
                                       json=writes[n][3])
        )  # fmt: skip

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == Counter({201: 14, 200: 6}), [a.text for a in answers if a.status_code >= 300]
    authors = [supporter_id for supporter_id, _ in made["authors"]]
    encounters = count(
        live_server, select(func.count()).where(col(Encounter.supporter_id).in_(authors))
    )
    resources = count(
        live_server, select(func.count()).where(col(Resource.title).startswith(marker))
    )
    attendance = count(
        live_server,
        select(func.count()).where(
            Attendance.session_id == made["session"], Attendance.status == "attended"
        ),
    )
    assert (encounters, resources, attendance) == (7, 7, 6)


def test_30_parallel_sign_ins_with_right_passwords_all_get_a_token(
    live_server: LiveServer,
) -> None:
    password_hash = hash_password(PASSWORD)
    emails = live_server.seed(
        lambda session: [
            make_user(session, roles=(Role.supporter,), password_hash=password_hash).email
            for _ in range(5)
        ]
    )

    def sign_in(n: int) -> httpx.Response:
        form = {"grant_type": "password", "username": emails[n % 5], "password": PASSWORD}
        with live_server.client() as http:  # a connection each, as separate people would
            return http.post("/api/v1/auth/token", data=form)

    answers = at_once(30, sign_in)

    assert [a.status_code for a in answers] == [200] * 30, [
        a.text for a in answers if a.status_code != 200
    ]
    assert all(a.json()["access_token"] for a in answers)


@pytest.fixture
def impatient_sqlite_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if is_postgresql(database_url):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock to hold")
    url = sibling_database_url(database_url, "locked")
    with running_server(
        url, tmp_path_factory.mktemp("locked"), env={"SQLITE_BUSY_TIMEOUT_MS": "300"}
    ) as server:
        yield server


def test_a_write_that_cannot_get_the_sqlite_lock_in_time_answers_503_with_retry_after(
    impatient_sqlite_server: LiveServer,
) -> None:
    server = impatient_sqlite_server
    supporter = server.seed(lambda session: make_supporter(session))
    headers = server.bearer(f"user:{supporter.user_id}")
    path = Path(make_url(server.database_url).database or "")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with server.client() as http:
            started = time.monotonic()
            refused = http.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=headers)
            waited = time.monotonic() - started
        holder.execute("ROLLBACK")
        with server.client() as http:
            accepted = http.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=headers)
    finally:
        holder.close()

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["status"] == 503
    assert 0.3 <= waited < 5  # it waited its busy timeout (300 ms), not the default 5 s
    assert accepted.status_code == 201, accepted.text
    assert count(server, select(func.count()).select_from(Encounter)) == 1
