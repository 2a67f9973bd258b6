"""The pages reach the same audited services as the API (issue 7, item 8): a supporter's change
of their availability leaves one event; reading their own log, month and attendance leaves none,
also for a coordinator who supports (their pages show only their own log)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.encounters.service import log_encounter
from domain.supporters.models import Supporter
from tests.factories import (
    encounter_data,
    events_after,
    last_event_id,
    make_supporter,
    make_user,
    supporter_actor,
)
from tests.web.conftest import HTML, Browser


def test_a_supporter_changing_their_availability_leaves_one_event(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    before = last_event_id(db)
    answer = client.post(
        "/availability", data=as_supporter.form(available="no"), follow_redirects=False
    )
    assert answer.status_code == 303
    assert events_after(db, before) == [
        (
            "supporter.change.available",
            f"user:{as_supporter.user.id}",
            "supporter",
            str(supporter.id),
            "success",
        )
    ]


@pytest.mark.parametrize("path", ["/", "/encounters", "/month", "/sessions"])
@pytest.mark.parametrize("also_coordinator", [False, True], ids=["supporter", "coordinator"])
def test_reading_ones_own_log_on_the_pages_leaves_no_event(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    path: str,
    also_coordinator: bool,
) -> None:
    roles = (Role.supporter, Role.coordinator) if also_coordinator else (Role.supporter,)
    user = make_user(db, roles=roles)
    supporter = make_supporter(db, user=user)
    log_encounter(session=db, actor=supporter_actor(db, supporter), data=encounter_data())
    log_encounter(session=db, actor=supporter_actor(db, make_supporter(db)), data=encounter_data())
    sign_in(user)
    before = last_event_id(db)

    answer = client.get(path, headers=HTML)

    assert answer.status_code == 200
    assert events_after(db, before) == []
