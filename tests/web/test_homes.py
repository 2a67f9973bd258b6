"""Every role gets a home that fits it (issue 8, item 10), and the curation list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import Role
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import (
    assign_debrief_request,
    close_debrief_request,
    request_debrief,
)
from domain.supporters.models import Supporter
from tests.factories import actor_of, make_resource, make_supporter, make_user, supporter_actor
from tests.web.conftest import HTML, Browser
from web.pages.home import home_role

COORDINATOR_AREAS = ("/inbox", "/roster", "/schedule", "/tally", "/reports", "/curation",
                     "/settings")  # fmt: skip
ADMIN_AREAS = ("/admin/users", "/admin/api-clients", "/admin/mail", "/admin/audit", "/settings")


@pytest.mark.parametrize(
    ("roles", "home"),
    [
        ((), None),
        ((Role.resource_editor,), Role.resource_editor),
        ((Role.report_viewer, Role.resource_editor), Role.report_viewer),
        ((Role.supporter, Role.report_viewer), Role.supporter),
        ((Role.admin, Role.supporter), Role.admin),
        ((Role.coordinator, Role.admin, Role.supporter), Role.coordinator),
    ],
)
def test_the_first_role_of_the_order_decides_the_home(
    roles: tuple[Role, ...], home: Role | None
) -> None:
    assert home_role(Actor.for_user(1, frozenset(roles))) == home


def signed_in_as(
    db: Session, sign_in: Callable[..., Browser], *roles: Role, name: str = "Pat Person"
) -> Browser:
    return sign_in(make_user(db, roles=roles, display_name=name))


def test_the_coordinator_home_counts_the_inbox_and_links_every_area(
    client: TestClient, db: Session, supporter: Supporter, sign_in: Callable[..., Browser]
) -> None:
    request_debrief(session=db, actor=supporter_actor(db, supporter), urgency=DebriefUrgency.today)
    signed_in_as(db, sign_in, Role.coordinator, name="Casey Coordinator")
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "Hello, Casey" in page.text
    assert '<strong class="figure">1</strong> open debrief request' in page.text
    assert "1 without a trainer" in page.text
    for href in COORDINATOR_AREAS:
        assert f'href="{href}"' in page.text
    assert 'href="/admin/users"' not in page.text
    assert 'href="/supporter"' not in page.text
    assert "Sam Lee" not in page.text  # counts only: no names on the home


def test_a_coordinator_who_supports_finds_their_supporter_home(
    client: TestClient, db: Session, sign_in: Callable[..., Browser]
) -> None:
    user = make_user(db, roles=(Role.coordinator, Role.supporter), display_name="Casey Both")
    make_supporter(db, user=user)
    sign_in(user)
    home = client.get("/", headers=HTML)
    assert 'href="/supporter"' in home.text
    assert 'href="/inbox"' in home.text
    own = client.get("/supporter", headers=HTML)
    assert own.status_code == 200
    assert 'href="/log"' in own.text


def test_the_admin_home_links_administration(
    client: TestClient, db: Session, sign_in: Callable[..., Browser]
) -> None:
    signed_in_as(db, sign_in, Role.admin, name="Adam Admin")
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    for href in ADMIN_AREAS:
        assert f'href="{href}"' in page.text
    assert 'href="/inbox"' not in page.text
    assert "Welcome" not in page.text


@pytest.mark.parametrize(
    ("roles", "area"),
    [
        ((Role.report_viewer,), "/reports"),
        ((Role.resource_editor,), "/curation"),
        ((Role.report_viewer, Role.resource_editor), "/reports"),
    ],
)
def test_report_viewers_and_resource_editors_land_in_their_area(
    client: TestClient,
    db: Session,
    sign_in: Callable[..., Browser],
    roles: tuple[Role, ...],
    area: str,
) -> None:
    signed_in_as(db, sign_in, *roles)
    answer = client.get("/", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == area


def test_a_supporter_gets_the_supporter_home(client: TestClient, as_supporter: Browser) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "Hello, Sam" in page.text
    assert 'href="/log"' in page.text
    assert client.get("/supporter", headers=HTML).text.count('href="/log"') >= 1


# The supporter's home shows the state of their request.


def test_the_supporter_home_follows_the_request(
    client: TestClient, db: Session, supporter: Supporter, as_supporter: Browser
) -> None:
    coordinator = make_user(db, roles=(Role.coordinator,), display_name="Tara Trainer")
    assert coordinator.id is not None
    assert "Ask a trainer for a debrief" in client.get("/").text
    request = request_debrief(
        session=db, actor=supporter_actor(db, supporter), urgency=DebriefUrgency.today
    )
    assert request.id is not None
    waiting = client.get("/").text
    assert 'data-debrief-state="waiting"' in waiting
    assert "Your debrief request is waiting for a trainer." in waiting
    assert "Ask a trainer for a debrief" not in waiting
    assign_debrief_request(
        session=db, actor=actor_of(coordinator), request_id=request.id,
        trainer_user_id=coordinator.id,
    )  # fmt: skip
    assert "Tara Trainer will contact you." in client.get("/").text
    close_debrief_request(session=db, actor=actor_of(coordinator), request_id=request.id)
    done = client.get("/").text
    assert 'data-debrief-state="done"' in done
    assert "Ask a trainer for a debrief" in done


# The curation list.


@pytest.mark.parametrize("role", [Role.resource_editor, Role.coordinator])
def test_curation_lists_every_entry_with_its_review_status(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], role: Role
) -> None:
    draft = make_resource(db, title="Draft wellness walk", published=False)
    stale = make_resource(db, title="Stale counseling line", last_reviewed_on=None)
    signed_in_as(db, sign_in, role)
    page = client.get("/curation", headers=HTML)
    assert page.status_code == 200
    assert 'aria-current="page">Directory' in page.text
    assert f'id="resource-{draft.id}"' in page.text
    row = page.text.split(f'id="resource-{stale.id}"')[1].split("</tr>")[0]
    assert "Due for review" in row
    assert "Never reviewed" in row
    assert "Unpublished" in page.text.split(f'id="resource-{draft.id}"')[1].split("</tr>")[0]
    assert 'href="/curation/new">Add an entry</a>' in page.text


@pytest.mark.parametrize("roles", [(Role.supporter,), (Role.admin,), (Role.report_viewer,), ()])
def test_curation_refuses_everyone_else(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], roles: tuple[Role, ...]
) -> None:
    signed_in_as(db, sign_in, *roles)
    assert client.get("/curation", headers=HTML).status_code == 403


def test_a_supporter_without_a_profile_is_told_what_comes_next(
    client: TestClient, db: Session, sign_in: Callable[..., Browser]
) -> None:
    signed_in_as(db, sign_in, Role.supporter, name="Nia New")
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "Your supporter profile is not set up yet." in page.text
    assert 'href="/log"' not in page.text
