"""Two coordinators answer the same debrief request at the same moment, against a live server
(SQLite and PostgreSQL). The database decides with a conditional UPDATE: both assignments
land (the last one wins), a close always wins over an assignment racing it, two closes leave
one close on record, and nobody gets a 500."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import httpx
from sqlmodel import Session, col, func, select

from domain.audit.models import AuditEvent
from domain.codes import Role
from domain.debriefs.models import DebriefRequest, DebriefStatus, DebriefUrgency
from domain.debriefs.service import request_debrief
from tests.factories import make_supporter, make_user, supporter_actor
from tests.live.server import LiveServer, at_once

ROUNDS = 4


def two_coordinators_and_a_request(session: Session) -> tuple[int, int, int]:
    first, second = (make_user(session, roles=(Role.coordinator,)) for _ in range(2))
    supporter = make_supporter(session)
    asked = request_debrief(
        session=session, actor=supporter_actor(session, supporter), urgency=DebriefUrgency.today
    )
    assert first.id is not None
    assert second.id is not None
    assert asked.id is not None
    return first.id, second.id, asked.id


def stored(server: LiveServer, request_id: int) -> DebriefRequest:
    with Session(server.engine) as session:
        found = session.get(DebriefRequest, request_id)
        assert found is not None
        return found


def close_events(server: LiveServer, request_id: int) -> int:
    with Session(server.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                col(AuditEvent.action) == "debrief_request.close",
                col(AuditEvent.object_id) == str(request_id),
            )
        ).one()


def patches(
    server: LiveServer,
    http: httpx.Client,
    request_id: int,
    calls: Sequence[tuple[int, Mapping[str, object]]],
) -> Callable[[int], httpx.Response]:
    return lambda i: http.patch(
        f"/api/v1/debrief-requests/{request_id}",
        json=calls[i][1],
        headers=server.bearer(f"user:{calls[i][0]}"),
    )


def test_two_coordinators_assigning_at_once_both_succeed_and_one_trainer_stays(
    live_server: LiveServer,
) -> None:
    with live_server.client() as http:
        for _ in range(ROUNDS):
            first, second, request_id = live_server.seed(two_coordinators_and_a_request)
            calls = [
                (first, {"assigned_to_user_id": first}),
                (second, {"assigned_to_user_id": second}),
            ]
            answers = at_once(2, patches(live_server, http, request_id, calls))
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
            row = stored(live_server, request_id)
            assert row.status == DebriefStatus.open
            assert row.assigned_to_user_id in {first, second}
            assert row.assigned_at is not None


def test_a_close_racing_an_assignment_always_ends_done(live_server: LiveServer) -> None:
    with live_server.client() as http:
        for _ in range(ROUNDS):
            first, second, request_id = live_server.seed(two_coordinators_and_a_request)
            calls: list[tuple[int, Mapping[str, object]]] = [
                (first, {"assigned_to_user_id": first}),
                (second, {"status": "done"}),
            ]
            assign, close = at_once(2, patches(live_server, http, request_id, calls))
            assert close.status_code == 200, close.text
            # The assignment came first (200) or found the request closed (409, problem details).
            assert assign.status_code in {200, 409}, assign.text
            if assign.status_code == 409:
                assert assign.headers["content-type"] == "application/problem+json"
            row = stored(live_server, request_id)
            assert row.status == DebriefStatus.done
            assert row.closed_by_user_id == second
            assert close.json()["status"] == "done"


def test_two_coordinators_closing_at_once_leave_one_close(live_server: LiveServer) -> None:
    with live_server.client() as http:
        for _ in range(ROUNDS):
            first, second, request_id = live_server.seed(two_coordinators_and_a_request)
            calls = [(first, {"status": "done"}), (second, {"status": "done"})]
            answers = at_once(2, patches(live_server, http, request_id, calls))
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
            row = stored(live_server, request_id)
            assert row.status == DebriefStatus.done
            assert row.closed_by_user_id in {first, second}
            # Both answers show the one close that happened.
            assert {a.json()["closed_by_user_id"] for a in answers} == {row.closed_by_user_id}
            assert close_events(live_server, request_id) == 1
