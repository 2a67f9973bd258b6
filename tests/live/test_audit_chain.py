"""Parallel audited writes against a live server leave one unbroken audit chain: every request
succeeds (sealing never makes one fail), every event is sealed, seq has no gap."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlmodel import Session

from domain.actors import Actor
from domain.api_clients.models import ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.audit.sealing import verify_stored_chain
from domain.codes import ApiScope, Role
from domain.columns import utcnow
from domain.db import READ_ONLY
from tests.factories import make_user
from tests.live.server import LiveServer, at_once

REQUESTS = 20  # of three kinds, each audited once: i % 3 picks the kind


def seed(session: Session) -> tuple[int, list[int], list[tuple[str, str]]]:
    """An admin, 7 users for the admin to rename, 6 API clients (client_id, secret)."""
    admin = make_user(session, roles=(Role.admin,))
    renamed = [make_user(session, roles=(Role.supporter,)).id or 0 for _ in range(7)]
    stamp = utcnow().timestamp()
    clients = []
    for n in range(6):
        data = ApiClientCreate(name=f"chain system {stamp} {n}", scopes=[ApiScope.reports_read])
        client, secret = create_api_client(session=session, actor=Actor.operator(), data=data)
        clients.append((client.client_id, secret))
    return admin.id or 0, renamed, clients


def test_twenty_parallel_audited_writes_leave_an_unbroken_chain(live_server: LiveServer) -> None:
    admin_id, renamed, clients = live_server.seed(seed)
    admin = live_server.bearer(f"user:{admin_id}")
    stamp = int(utcnow().timestamp() * 1000)

    def write(i: int) -> int:
        kind, n = i % 3, i // 3
        with live_server.client() as http:
            if kind == 0:
                body = {"email": f"chain{stamp}.{n}@hospital.example.org",
                        "display_name": f"Chain {n}", "roles": ["supporter"]}  # fmt: skip
                return http.post("/api/v1/users", json=body, headers=admin).status_code
            if kind == 1:
                body = {"display_name": f"Renamed {stamp} {n}"}
                url = f"/api/v1/users/{renamed[n]}"
                return http.patch(url, json=body, headers=admin).status_code
            client_id, secret = clients[n]
            form = {"grant_type": "client_credentials", "client_id": client_id,
                    "client_secret": secret}  # fmt: skip
            return http.post("/api/v1/auth/token", data=form).status_code

    before = newest_event_id(live_server)
    statuses = at_once(REQUESTS, write)

    assert statuses == [[201, 200, 200][i % 3] for i in range(REQUESTS)], live_server.log()
    with live_server.engine.connect().execution_options(**READ_ONLY) as connection:
        report = verify_stored_chain(connection)
        total, unsealed, last_seq = connection.execute(
            sa.text("SELECT COUNT(*), COUNT(*) - COUNT(hash), MAX(seq) FROM audit_event")
        ).one()
        burst = connection.execute(
            sa.text("SELECT action FROM audit_event WHERE id > :before"), {"before": before}
        ).scalars()
        actions = Counter(burst)
    assert report.first_break is None, report.first_break
    assert (unsealed, last_seq, report.verified) == (0, total, total)
    assert actions == {"user.create": 7, "user.change.display_name": 7, "auth.token": 6}


def newest_event_id(server: LiveServer) -> int:
    with server.engine.connect().execution_options(**READ_ONLY) as connection:
        return connection.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_event")).one()[0]
