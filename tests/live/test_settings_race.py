"""Two admins save the program settings form at the same moment, each with different values for
every field they change. Both saves are audited, field by field; the row ends as one admin's whole
form, never a mix of the two; nobody gets a 500. The settings row is locked before it is read, so
the second save compares with the first one's commit."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from domain.audit.models import AuditEvent
from domain.codes import Role
from domain.program_settings.models import ProgramSettings
from domain.program_settings.service import get_program_settings
from domain.users.passwords import hash_password
from tests.databases import sibling_database_url
from tests.factories import make_user
from tests.live.server import LiveServer, at_once, running_server
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "two admins saving settings"
START_NAME = "Start"
ROUNDS = 4
FIELDS = ("program_name", "default_monthly_cap", "small_cell_threshold", "time_zone")


@pytest.fixture(scope="module")
def server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A database of its own: the test reads the whole settings trail."""
    with running_server(
        sibling_database_url(database_url, "settings"), tmp_path_factory.mktemp("settings")
    ) as own:
        yield own


def signed_in(server: LiveServer, email: str) -> tuple[httpx.Client, str]:
    """A browser signed in through the sign-in page, and the CSRF token of its settings form."""
    http = server.client()
    check = "a-sign-in-check-for-this-test"
    http.cookies.set(SIGN_IN_CHECK_COOKIE, check, domain="127.0.0.1", path="/sign-in")
    answer = http.post(
        "/sign-in", data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check}
    )
    assert answer.status_code == 303, answer.text
    form = http.get("/settings", headers={"accept": "text/html"})
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
    assert token
    return http, token.group(1)


def form_of(round_number: int, admin: int) -> dict[str, str]:
    """Admin 1 keeps the program name as it was: a save that compared with a stale read would
    leave admin 0's new name beside admin 1's other fields."""
    return {
        "program_name": f"Round {round_number} by admin 0" if admin == 0 else START_NAME,
        "default_monthly_cap": str(10 + admin),
        "small_cell_threshold": str(5 + admin),
        "time_zone": ("Europe/Berlin", "Asia/Tokyo")[admin],
    }


def settings_now(session: Session) -> dict[str, str]:
    settings = get_program_settings(session)
    return {name: str(getattr(settings, name)) for name in FIELDS}


def settings_trail(session: Session) -> list[tuple[str, str]]:
    events = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.object_type) == "program_settings")
        .order_by(col(AuditEvent.id))
    )
    return [(event.actor, event.action) for event in events]


def test_two_admins_saving_at_once_are_both_audited_and_one_wins_whole(
    server: LiveServer,
) -> None:
    password_hash = hash_password(PASSWORD)
    admins = server.seed(
        lambda session: [
            (user.id, user.email)
            for user in (
                make_user(session, roles=(Role.admin,), password_hash=password_hash)
                for _ in range(2)
            )
        ]
    )
    browsers = [signed_in(server, email) for _, email in admins]
    try:
        for round_number in range(ROUNDS):
            server.seed(lambda session: session.exec(update(ProgramSettings).values(
                program_name=START_NAME, default_monthly_cap=8, small_cell_threshold=11,
                time_zone="America/New_York",
            )))  # fmt: skip
            before = len(server.seed(settings_trail))

            def save(admin: int, round_number: int = round_number) -> httpx.Response:
                http, token = browsers[admin]
                data = {**form_of(round_number, admin), "csrf_token": token}
                return http.post("/settings", data=data, headers={"accept": "text/html"})

            answers = at_once(2, save)
            assert [answer.status_code for answer in answers] == [303, 303], [
                answer.text[:500] for answer in answers
            ]
            final = server.seed(settings_now)
            assert final in (form_of(round_number, 0), form_of(round_number, 1)), final
            trail = server.seed(settings_trail)[before:]
            # Each save is audited field by field, against the row as the other left it.
            second = 1 if final == form_of(round_number, 1) else 0
            for admin, (admin_id, _) in enumerate(admins):
                changed = set(FIELDS)
                if admin == 1 and second == 0:  # first: its name was the name already
                    changed.discard("program_name")
                actions = sorted(action for actor, action in trail if actor == f"user:{admin_id}")
                assert actions == sorted(f"settings.change.{name}" for name in changed)
    finally:
        for http, _ in browsers:
            http.close()
    assert "Traceback" not in server.log()
