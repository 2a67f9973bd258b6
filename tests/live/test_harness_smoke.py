"""The live harness itself: a server that answers, seeded rows it can see, and a restart on the
same address."""

from __future__ import annotations

from domain.codes import Role
from tests.factories import make_user
from tests.live.server import LiveServer, at_once


def test_a_seeded_user_reads_their_own_profile(live_server: LiveServer) -> None:
    user = live_server.seed(lambda session: make_user(session, roles=(Role.coordinator,)))
    with live_server.client() as http:
        answer = http.get("/api/v1/me", headers=live_server.bearer(f"user:{user.id}"))
    assert answer.status_code == 200
    assert answer.json()["email"] == user.email


def test_requests_at_once_all_get_an_answer(live_server: LiveServer) -> None:
    with live_server.client() as http:
        statuses = at_once(8, lambda _: http.get("/healthz").status_code)
    assert statuses == [200] * 8
