"""Audit events through the real request edge (issue 7, item 8): a refusal (403) answered to an
API client or a person is kept although the request's own unit of work rolls back, because it
is written in a unit of work of its own; an audited read commits with its request. Checked
from a connection of the test's own, as any auditor would read the trail."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.actors import Actor
from domain.api_clients.models import ApiClient, ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.audit.models import AuditEvent
from domain.codes import ApiScope, Role
from domain.columns import utcnow
from domain.users.models import User
from tests.factories import last_event_id, make_supporter, make_user
from tests.live.server import LiveServer


def trail_of(server: LiveServer, actor: str) -> list[tuple[str, str, str | None, str]]:
    with Session(server.engine) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.actor == actor).order_by(col(AuditEvent.id))
        )
        return [(e.action, e.object_type, e.object_id, e.outcome) for e in rows]


def seed_api_client(server: LiveServer, *scopes: ApiScope) -> ApiClient:
    data = ApiClientCreate(name=f"engine {utcnow().timestamp()}", scopes=list(scopes))
    return server.seed(
        lambda session: create_api_client(session=session, actor=Actor.operator(), data=data)[0]
    )


def test_a_refusal_to_an_api_client_is_kept_although_its_request_rolls_back(
    live_server: LiveServer,
) -> None:
    api_client = seed_api_client(live_server, ApiScope.reports_read)
    headers = live_server.bearer(f"client:{api_client.id}", frozenset({"reports:read"}))

    with live_server.client() as http:
        roster = http.get("/api/v1/supporters", headers=headers)
        settings = http.patch("/api/v1/settings", json={"small_cell_threshold": 2}, headers=headers)

    assert (roster.status_code, settings.status_code) == (403, 403)
    assert roster.headers["content-type"] == "application/problem+json"
    assert trail_of(live_server, f"api_client:{api_client.id}") == [
        ("api.request", "route", "GET /api/v1/supporters", "denied"),
        ("api.request", "route", "PATCH /api/v1/settings", "denied"),
    ]


def test_a_refusal_to_a_person_through_the_api_is_kept(live_server: LiveServer) -> None:
    def seed(session: Session) -> tuple[User, int]:
        user = make_user(session, roles=(Role.supporter,))
        supporter = make_supporter(session, user=user)
        assert supporter.id is not None
        return user, supporter.id

    user, supporter_id = live_server.seed(seed)
    with live_server.client() as http:
        answer = http.patch(
            f"/api/v1/supporters/{supporter_id}",
            json={"status": "paused"},
            headers=live_server.bearer(f"user:{user.id}"),
        )

    assert answer.status_code == 403
    assert trail_of(live_server, f"user:{user.id}") == [
        ("api.request", "route", f"PATCH /api/v1/supporters/{supporter_id}", "denied")
    ]


def test_an_audited_read_commits_with_its_request_and_a_401_names_nobody(
    live_server: LiveServer,
) -> None:
    api_client = seed_api_client(live_server, ApiScope.roster_read)
    headers = live_server.bearer(f"client:{api_client.id}", frozenset({"roster:read"}))
    with live_server.client() as http:
        read = http.get("/api/v1/supporters", headers=headers)
        before = newest_event_id(live_server)
        unsigned = http.get("/api/v1/supporters")

    assert (read.status_code, unsigned.status_code) == (200, 401)
    assert trail_of(live_server, f"api_client:{api_client.id}") == [
        ("supporter.list", "supporter", None, "success")
    ]
    assert newest_event_id(live_server) == before


def newest_event_id(server: LiveServer) -> int:
    with Session(server.engine) as session:
        return last_event_id(session)
