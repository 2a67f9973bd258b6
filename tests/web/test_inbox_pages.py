"""The inbox page (coordinators): debrief requests answered in place with htmx or by plain
forms, supporters at their cap or due a refresher, resources due for review."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.codes import Role
from domain.debriefs.models import DebriefRequest, DebriefStatus, DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.encounters.service import log_encounter
from domain.errors import Conflict
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.factories import (
    encounter_data,
    events_after,
    last_event_id,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)
from tests.web.conftest import HTML, Browser, goes_to_sign_in, is_fragment
from web.pages import inbox as inbox_pages


@pytest.fixture
def coordinator(db: Session) -> User:
    return make_user(db, roles=(Role.coordinator,), display_name="Casey Coordinator")


@pytest.fixture
def as_coordinator(coordinator: User, sign_in: Callable[..., Browser]) -> Browser:
    return sign_in(coordinator)


def asked(
    db: Session, supporter: Supporter, urgency: DebriefUrgency = DebriefUrgency.today
) -> DebriefRequest:
    return request_debrief(session=db, actor=supporter_actor(db, supporter), urgency=urgency)


def test_the_inbox_lists_requests_with_who_when_and_the_trainers(
    client: TestClient, db: Session, supporter: Supporter, as_coordinator: Browser
) -> None:
    request = asked(db, supporter)
    make_user(db, roles=(Role.coordinator,), display_name="Tara Trainer")
    make_user(db, roles=(Role.coordinator,), display_name="Gone Trainer", active=False)
    make_user(db, roles=(Role.admin,), display_name="Adam Admin")
    page = client.get("/inbox", headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert f'id="debrief-{request.id}"' in text
    assert f'<a href="/roster/{supporter.id}">Sam Lee</a>' in text
    assert "Today" in text
    assert ">Casey Coordinator</option>" in text
    assert ">Tara Trainer</option>" in text
    assert "Gone Trainer" not in text
    assert "Adam Admin" not in text
    assert 'aria-current="page">Inbox' in text


def test_reading_the_inbox_is_audited(
    client: TestClient, db: Session, supporter: Supporter, as_coordinator: Browser
) -> None:
    asked(db, supporter)
    before = last_event_id(db)
    assert client.get("/inbox", headers=HTML).status_code == 200
    assert sorted(event[0] for event in events_after(db, before)) == [
        "debrief_request.list",
        "supporter.list",
        "supporter.list",
    ]


def test_the_inbox_lists_who_is_at_the_cap_or_due_a_refresher_and_resources_to_review(
    client: TestClient, db: Session, as_coordinator: Browser
) -> None:
    capped = make_supporter(
        db, max_encounters_per_month=1,
        user=make_user(db, roles=(Role.supporter,), display_name="Cara Capped"),
    )  # fmt: skip
    log_encounter(session=db, actor=supporter_actor(db, capped), data=encounter_data())
    flagged = make_supporter(
        db, needs_refresher=True,
        user=make_user(db, roles=(Role.supporter,), display_name="Rey Refresher"),
    )  # fmt: skip
    stale = make_resource(db, title="Old counseling line", last_reviewed_on=None)
    text = client.get("/inbox", headers=HTML).text
    assert f'<a href="/roster/{capped.id}">Cara Capped</a>' in text
    assert f'<a href="/roster/{flagged.id}">Rey Refresher</a>' in text
    assert f'href="/curation/{stale.id}">Old counseling line</a>' in text
    # The link opens the entry where it can be marked reviewed.
    entry = client.get(f"/curation/{stale.id}", headers=HTML)
    assert entry.status_code == 200
    assert f'action="/curation/{stale.id}/review"' in entry.text


def test_a_plain_form_assigns_a_trainer_and_comes_back(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    coordinator: User,
    as_coordinator: Browser,
) -> None:
    request = asked(db, supporter)
    answer = client.post(
        f"/inbox/debriefs/{request.id}/assign",
        data=as_coordinator.form(assigned_to_user_id=str(coordinator.id)),
        headers=HTML, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/inbox#debrief-{request.id}"
    db.refresh(request)
    assert request.assigned_to_user_id == coordinator.id
    assert "Reassign" in client.get("/inbox", headers=HTML).text


def test_htmx_assigns_and_gets_the_row_back(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    coordinator: User,
    as_coordinator: Browser,
) -> None:
    request = asked(db, supporter)
    answer = client.post(
        f"/inbox/debriefs/{request.id}/assign",
        data={"assigned_to_user_id": str(coordinator.id)}, headers=as_coordinator.htmx,
    )  # fmt: skip
    assert answer.status_code == 200
    assert is_fragment(answer)
    assert answer.text.strip().startswith(f'<tr id="debrief-{request.id}"')
    assert f'<option value="{coordinator.id}" selected>Casey Coordinator</option>' in answer.text
    assert "Reassign" in answer.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("trainer", ["", "abc", "supporter", "²", "¹", "-1", "1e3"])
def test_a_wrong_trainer_is_refused_beside_the_row(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_coordinator: Browser,
    htmx: bool,
    trainer: str,
) -> None:
    request = asked(db, supporter)
    if trainer == "supporter":
        trainer = str(supporter.user_id)
    headers = as_coordinator.htmx if htmx else HTML
    answer = client.post(
        f"/inbox/debriefs/{request.id}/assign",
        data=as_coordinator.form(assigned_to_user_id=trainer), headers=headers,
    )  # fmt: skip
    assert answer.status_code == 422
    assert is_fragment(answer) is htmx
    assert f'id="debrief-{request.id}-error" role="alert"' in answer.text
    assert "Choose a trainer" in answer.text
    db.refresh(request)
    assert request.assigned_to_user_id is None


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_mark_done_and_done_again(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    coordinator: User,
    as_coordinator: Browser,
    htmx: bool,
) -> None:
    request = asked(db, supporter)
    headers = as_coordinator.htmx if htmx else HTML
    for _ in range(2):
        answer = client.post(
            f"/inbox/debriefs/{request.id}/done", data=as_coordinator.form(), headers=headers,
            follow_redirects=False,
        )  # fmt: skip
        if htmx:
            assert answer.status_code == 200
            assert "Done" in answer.text
            assert "Mark done" not in answer.text
        else:
            assert answer.status_code == 303
    db.refresh(request)
    assert request.status == DebriefStatus.done
    assert request.closed_by_user_id == coordinator.id
    assert f'id="debrief-{request.id}"' not in client.get("/inbox", headers=HTML).text


def test_a_stale_form_cannot_assign_a_done_request(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    coordinator: User,
    as_coordinator: Browser,
) -> None:
    request = asked(db, supporter)
    client.post(f"/inbox/debriefs/{request.id}/done", data=as_coordinator.form(), headers=HTML)
    answer = client.post(
        f"/inbox/debriefs/{request.id}/assign",
        data={"assigned_to_user_id": str(coordinator.id)}, headers=as_coordinator.htmx,
    )  # fmt: skip
    assert answer.status_code == 409
    assert "done already" in answer.text
    assert "Mark done" not in answer.text
    db.refresh(request)
    assert request.status == DebriefStatus.done
    assert request.assigned_to_user_id is None


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, db: Session, supporter: Supporter, as_coordinator: Browser
) -> None:
    request = asked(db, supporter)
    answer = client.post(f"/inbox/debriefs/{request.id}/done", data={}, headers=HTML)
    assert answer.status_code == 403
    db.refresh(request)
    assert request.status == DebriefStatus.open


@pytest.mark.parametrize(
    "roles",
    [(Role.supporter,), (Role.admin,), (Role.report_viewer,), (Role.resource_editor,), ()],
)
def test_everyone_but_coordinators_is_refused(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    sign_in: Callable[..., Browser],
    roles: tuple[Role, ...],
) -> None:
    request = asked(db, supporter)
    browser = sign_in(make_user(db, roles=roles))
    assert client.get("/inbox", headers=HTML).status_code == 403
    answer = client.post(f"/inbox/debriefs/{request.id}/done", data=browser.form(), headers=HTML)
    assert answer.status_code == 403
    db.refresh(request)
    assert request.status == DebriefStatus.open


def test_the_asking_supporter_cannot_open_the_inbox(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    asked(db, supporter)
    assert client.get("/inbox", headers=HTML).status_code == 403


def test_signed_out_visitors_go_to_sign_in(client: TestClient) -> None:
    assert goes_to_sign_in(client.get("/inbox", headers=HTML, follow_redirects=False))


def test_rows_and_their_buttons_have_stable_ids_for_the_focus_after_a_swap(
    client: TestClient, db: Session, supporter: Supporter, as_coordinator: Browser
) -> None:
    request = asked(db, supporter)
    page = client.get("/inbox", headers=HTML).text
    assert f'<tr id="debrief-{request.id}" tabindex="-1"' in page
    assert f'<button id="assign-{request.id}"' in page
    assert f'<button id="done-{request.id}"' in page


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_refused_done_is_shown_beside_the_row(
    client: TestClient,
    db: Session,
    supporter: Supporter,
    as_coordinator: Browser,
    monkeypatch: pytest.MonkeyPatch,
    htmx: bool,
) -> None:
    request = asked(db, supporter)

    def refuse(**_: object) -> None:
        raise Conflict("Someone else changed this request; reload the inbox.")

    monkeypatch.setattr(inbox_pages, "close_debrief_request", refuse)
    headers = as_coordinator.htmx if htmx else HTML
    answer = client.post(
        f"/inbox/debriefs/{request.id}/done", data=as_coordinator.form(), headers=headers,
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 409
    assert is_fragment(answer) is htmx
    assert f'id="debrief-{request.id}-error" role="alert"' in answer.text
    assert "Someone else changed this request" in answer.text
