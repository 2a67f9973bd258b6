"""Admins at the same moment, on the pages of a live server: inviting the same email leaves one
user and tells the others so beside the email field; creating API clients of the same name
leaves one client; different names all succeed. Never a 500.

On SQLite every unit of work holds the write lock from its BEGIN, so the second invitation sees
the first one's user; on PostgreSQL both pass the check and the unique index decides (the
service turns the loser's IntegrityError into the same Conflict)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlmodel import Session, func, select

from domain.api_clients.models import ApiClient
from domain.codes import Role
from domain.users.models import User
from domain.users.passwords import hash_password
from tests.factories import make_user
from tests.live.server import LiveServer, at_once
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "an admin's long passphrase"
PARALLEL = 4
ROUNDS = 3


@dataclass
class AdminBrowser:
    http: httpx.Client
    csrf: str

    def post(self, path: str, **fields: object) -> httpx.Response:
        return self.http.post(path, data={"csrf_token": self.csrf, **fields})


def signed_in_admins(live_server: LiveServer, count: int) -> list[AdminBrowser]:
    password_hash = hash_password(PASSWORD)

    def make(session: Session) -> list[str]:
        return [
            make_user(session, roles=(Role.admin,), password_hash=password_hash).email
            for _ in range(count)
        ]

    browsers = []
    for email in live_server.seed(make):
        http = live_server.client()
        check = "a-sign-in-check"
        http.cookies.set(SIGN_IN_CHECK_COOKIE, check)
        signed = http.post(
            "/sign-in", data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check}
        )
        assert signed.status_code == 303, signed.text
        form = http.get("/admin/users/invite")
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert found is not None, form.text
        browsers.append(AdminBrowser(http, found.group(1)))
    return browsers


def count(live_server: LiveServer, table: type, **where: str) -> int:
    def counted(session: Session) -> int:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return session.exec(query).one()

    return live_server.seed(counted)


def invite(
    admins: list[AdminBrowser], fields: dict[str, object]
) -> Callable[[int], httpx.Response]:
    return lambda i: admins[i].post("/admin/users/invite", **fields)


def test_admins_inviting_the_same_email_at_once_make_one_user(live_server: LiveServer) -> None:
    admins = signed_in_admins(live_server, PARALLEL)
    try:
        for round_number in range(ROUNDS):
            email = f"same-invitee-{round_number}@hospital.example.org"
            fields: dict[str, object] = {
                "email": email,
                "display_name": "Same Person",
                "roles": ["supporter"],
            }
            answers = at_once(PARALLEL, invite(admins, fields))
            statuses = Counter(answer.status_code for answer in answers)
            assert statuses == {200: 1, 422: PARALLEL - 1}, live_server.log()
            for answer in answers:
                if answer.status_code == 422:
                    assert f"A user with the email {email} exists already." in answer.text
                    assert 'id="email-error"' in answer.text
                else:
                    assert "/set-password/" in answer.text
            assert count(live_server, User, email=email) == 1
    finally:
        for admin in admins:
            admin.http.close()


def test_api_clients_created_at_once_are_one_per_name(live_server: LiveServer) -> None:
    admins = signed_in_admins(live_server, PARALLEL)
    try:
        same = {"name": "Same warehouse", "scopes": ["reports:read"]}
        answers = at_once(PARALLEL, lambda i: admins[i].post("/admin/api-clients/new", **same))
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {200: 1, 422: PARALLEL - 1}, live_server.log()
        assert sum("Client secret" in answer.text for answer in answers) == 1
        assert count(live_server, ApiClient, name="Same warehouse") == 1

        answers = at_once(
            PARALLEL,
            lambda i: admins[i].post(
                "/admin/api-clients/new", name=f"Bridge {i}", scopes=["roster:read"]
            ),
        )
        assert [answer.status_code for answer in answers] == [200] * PARALLEL
        secret = re.compile(r'id="client-secret"[^>]*value="([^"]+)"')
        assert len({secret.findall(answer.text)[0] for answer in answers}) == PARALLEL
        for i in range(PARALLEL):
            assert count(live_server, ApiClient, name=f"Bridge {i}") == 1
    finally:
        for admin in admins:
            admin.http.close()
