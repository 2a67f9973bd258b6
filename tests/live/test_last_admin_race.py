"""Two admins remove each other at the same moment. Each change alone leaves one admin; both
together would leave none, and nobody could administer the program again. The count and the
write are serialized, so one side wins and the other is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from domain.codes import Role
from domain.users.models import User
from tests.databases import sibling_database_url
from tests.factories import make_user
from tests.live.server import LiveServer, at_once, running_server

ROUNDS = 5


@pytest.fixture(scope="module")
def server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A database of its own: the rule counts every admin there is."""
    with running_server(
        sibling_database_url(database_url, "admins"), tmp_path_factory.mktemp("admins")
    ) as own:
        yield own


def two_admins_only(session: Session) -> tuple[int, int]:
    session.exec(update(User).values(active=False))
    first, second = (make_user(session, roles=(Role.admin,)) for _ in range(2))
    assert first.id is not None
    assert second.id is not None
    return first.id, second.id


def count_active_admins(session: Session) -> int:
    admins = session.exec(select(User).where(col(User.active).is_(True))).all()
    return sum(Role.admin in admin.roles for admin in admins)


def remove_each_other(
    server: LiveServer, http: httpx.Client, first: int, second: int, change: dict[str, object]
) -> Callable[[int], httpx.Response]:
    pairs = ((first, second), (second, first))
    return lambda i: http.patch(
        f"/api/v1/users/{pairs[i][1]}", json=change, headers=server.bearer(f"user:{pairs[i][0]}")
    )


@pytest.mark.parametrize("change", [{"active": False}, {"roles": ["coordinator"]}])
def test_two_admins_removing_each_other_at_once_leave_one(
    server: LiveServer, change: dict[str, object]
) -> None:
    with server.client() as http:
        for _ in range(ROUNDS):
            first, second = server.seed(two_admins_only)
            answers = at_once(2, remove_each_other(server, http, first, second, change))
            # The loser is refused: 409 when both ran side by side, or, when the winner was
            # done before the loser's request was read, 401 or 403 (no longer an admin).
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses[0] == 200
            assert statuses[1] in {401, 403, 409}, [answer.text for answer in answers]
            assert server.seed(count_active_admins) == 1
