"""Two people move two org units into each other at the same moment (A under B, B under A).
Each move alone is fine; together they would make a loop, and every later walk up the tree
would never reach the top. The check and the write are serialized (the tree lock), so one
side wins and the other gets 409."""

from __future__ import annotations

import httpx
from sqlmodel import Session

from domain.codes import OrgUnitKind, Role
from domain.org_units.models import OrgUnit
from domain.org_units.tree import parents, walk_org_tree
from tests.factories import make_org_unit, make_user
from tests.live.server import LiveServer, at_once

ROUNDS = 20


def make_pair(session: Session) -> tuple[int, int]:
    first = make_org_unit(session, kind=OrgUnitKind.department)
    second = make_org_unit(session, kind=OrgUnitKind.department)
    assert first.id is not None
    assert second.id is not None
    return first.id, second.id


def race_two_moves(server: LiveServer, http: httpx.Client) -> tuple[int, int]:
    """Fresh A and B; PATCH A.parent = B and B.parent = A at once. Returns (A, B)."""
    first, second = server.seed(make_pair)
    moves = ((first, second), (second, first))
    answers = at_once(
        2,
        lambda i: http.patch(f"/api/v1/org-units/{moves[i][0]}", json={"parent_id": moves[i][1]}),
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409], [answer.text for answer in answers]
    refused = next(answer for answer in answers if answer.status_code == 409)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "An org unit cannot sit inside itself."
    return first, second


def stored_tree(server: LiveServer, first: int, second: int) -> tuple[int | None, int | None]:
    """The two parents as stored, after checking that a walk up from each reaches a top."""

    def read(session: Session) -> tuple[int | None, int | None]:
        for unit_id in (first, second):
            walk = walk_org_tree(session, [unit_id], parents)
            assert not walk.looped
            assert walk.levels <= 2
        rows = (session.get(OrgUnit, first), session.get(OrgUnit, second))
        assert rows[0] is not None
        assert rows[1] is not None
        return rows[0].parent_id, rows[1].parent_id

    return server.seed(read)


def test_moving_two_units_into_each_other_at_once_lets_exactly_one_move(
    live_server: LiveServer,
) -> None:
    coordinator = live_server.seed(lambda session: make_user(session, roles=(Role.coordinator,)))
    with live_server.client(headers=live_server.bearer(f"user:{coordinator.id}")) as http:
        for _ in range(ROUNDS):
            first, second = race_two_moves(live_server, http)
            stored = stored_tree(live_server, first, second)
            assert stored in {(second, None), (None, first)}
            # What the API shows agrees, and the next move walks the tree and answers.
            shown = [
                http.get(f"/api/v1/org-units/{unit_id}").json()["parent_id"]
                for unit_id in (first, second)
            ]
            assert tuple(shown) == stored
            again = http.patch(f"/api/v1/org-units/{first}", json={"parent_id": second})
            assert again.status_code == (200 if stored == (second, None) else 409)
