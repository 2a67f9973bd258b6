"""An admin deactivates a user while a coordinator re-activates that user's supporter profile,
at the same moment, many times over. Both take the lock on the user row first (user before
supporter), so one runs after the other: the account ends inactive and its profile inactive
and unavailable, whichever came first; the coordinator's late change is refused (a field
error), never a 500 and never an inactive account with an active or available profile."""

from __future__ import annotations

from collections import Counter

import httpx
from sqlmodel import Session

from domain.codes import Role, SupporterStatus
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.factories import make_supporter, make_user
from tests.live.server import LiveServer, at_once

ROUNDS = 12


def test_deactivation_and_reactivation_at_once_never_leave_an_active_profile(
    live_server: LiveServer,
) -> None:
    def seed(session: Session) -> tuple[int, int, list[tuple[int, int]]]:
        admin = make_user(session, roles=(Role.admin,))
        coordinator = make_user(session, roles=(Role.coordinator,))
        pairs = []
        for _ in range(ROUNDS):
            profile = make_supporter(session, status=SupporterStatus.paused, available=False)
            assert profile.id is not None
            pairs.append((profile.user_id, profile.id))
        assert admin.id is not None
        assert coordinator.id is not None
        return admin.id, coordinator.id, pairs

    admin_id, coordinator_id, pairs = live_server.seed(seed)
    as_admin = live_server.bearer(f"user:{admin_id}")
    as_coordinator = live_server.bearer(f"user:{coordinator_id}")
    statuses: Counter[tuple[int, int]] = Counter()
    with live_server.client() as http:
        for user_id, supporter_id in pairs:

            def fire(
                index: int, user_id: int = user_id, supporter_id: int = supporter_id
            ) -> httpx.Response:
                if index == 0:
                    return http.patch(
                        f"/api/v1/users/{user_id}", json={"active": False}, headers=as_admin
                    )
                return http.patch(
                    f"/api/v1/supporters/{supporter_id}",
                    json={"status": "active", "available": True},
                    headers=as_coordinator,
                )

            deactivated, revived = at_once(2, fire)
            assert deactivated.status_code == 200, deactivated.text
            assert revived.status_code in (200, 409, 422), revived.text
            statuses[(deactivated.status_code, revived.status_code)] += 1

    with Session(live_server.engine) as session:
        for user_id, supporter_id in pairs:
            user = session.get(User, user_id)
            profile = session.get(Supporter, supporter_id)
            assert user is not None
            assert profile is not None
            assert not user.active
            assert profile.status == SupporterStatus.inactive, (user_id, statuses)
            assert not profile.available, (user_id, statuses)
