"""The coordinators' sessions, attendance and monthly tally in Chromium at 1280x800: taking
attendance with one tap per supporter, the tally for the room and its one printed page, and
axe-core on every one of these pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, func, select

from domain.codes import EncounterSetting, Escalation, Role, SessionKind, Stressor
from domain.columns import utcnow
from domain.db import unit_of_work
from domain.professions.models import Profession
from tests.browser.conftest import LiveServer, screenshot, sign_in_to_workspace
from tests.browser.test_accessibility import violations_report
from tests.factories import (
    add_encounter_rows_by,
    make_attendance,
    make_program_session,
    make_supporter,
    make_user,
)

pytestmark = pytest.mark.browser

SCHEMES: list[Literal["light", "dark"]] = ["light", "dark"]
PEERS = ("physician", "nurse", "pharmacist", "resident_fellow", "staff", "student",
         "physical_therapist", "social_worker", "psychologist", "dentist")  # fmt: skip
PROFESSIONS = ("nurse", "physician", "pharmacist", "social_worker", "resident_fellow",
               "physical_therapist", "psychologist", "staff")  # fmt: skip
# One page Chromium prints: page objects, not the /Pages tree node.
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=12)


def training_with_three_invited(server: LiveServer) -> tuple[int, list[str]]:
    names = ["Ada Attends", "Ben Excused", "Cleo Comes"]
    with unit_of_work(server.engine) as session:
        training = make_program_session(
            session, kind=SessionKind.initial_training, starts_at=utcnow() - timedelta(hours=1),
            topic="Initial peer supporter training", location="Learning Center 210",
        )  # fmt: skip
        for name in names:
            user = make_user(session, roles=(Role.supporter,), display_name=name)
            supporter = make_supporter(session, user=user, status="candidate", trained_on=None)
            make_attendance(session, training, supporter, "invited")
        assert training.id is not None
        return training.id, names


def a_busy_month(server: LiveServer) -> str:
    """Encounters last month and the month before across professions, and last month's
    monthly session: what the tally shows by default."""
    last = month_before(utcnow().date())
    before = month_before(last)
    with unit_of_work(server.engine) as session:
        for index, profession in enumerate(PROFESSIONS):
            team = [
                make_supporter(session, profession_code=profession, trained_on=date(2020, 1, 1))
                for _ in range(3)
            ]
            for day, count in ((last, 14 + index), (before, 11 + index)):
                for offset, peer in enumerate(PEERS[: 3 + index % 5]):
                    add_encounter_rows_by(
                        session, team, count - offset, on=day, peer_profession_code=peer,
                        setting=("icu", "inpatient_unit", "office", "virtual")[offset % 4],
                        stressors=("workload_burnout", "moral_distress")[: 1 + offset % 2],
                    )  # fmt: skip
        make_program_session(
            session, starts_at=datetime.combine(last.replace(day=17), time(21), UTC),
            topic="Moral distress and repair",
        )  # fmt: skip
    return last.strftime("%Y-%m")


@pytest.fixture(scope="module")
def busy_month(live_server: LiveServer) -> str:
    return a_busy_month(live_server)


def counts(page: Page) -> str:
    return re.sub(r"\s+", " ", page.locator("#attendance-counts").inner_text())


def test_a_coordinator_takes_attendance_with_one_tap_per_supporter(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    session_id, names = training_with_three_invited(live_server)
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.get_by_role("link", name="Sessions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions")
    page.locator(f"#session-{session_id}").get_by_role("link", name="Attendance").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Initial peer supporter training")
    assert counts(page) == "0 attended 0 excused 0 absent 3 not marked of 3 expected"

    for name, status in zip(names, ("Attended", "Excused", "Attended"), strict=True):
        row = page.get_by_role("group", name=name)
        row.get_by_role("button", name=status).click()
        expect(row.get_by_role("button", name=status)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#attendance-counts")).to_contain_text("2 attended")
    assert counts(page) == "2 attended 1 excused 0 absent 0 not marked of 3 expected"
    screenshot(page, "attendance.png")

    # A second tap changes the answer; the page after a reload agrees.
    page.get_by_role("group", name="Cleo Comes").get_by_role("button", name="Absent").click()
    expect(page.locator("#attendance-counts")).to_contain_text("1 absent")
    page.reload()
    assert counts(page) == "1 attended 1 excused 1 absent 0 not marked of 3 expected"
    expect(
        page.get_by_role("group", name="Cleo Comes").get_by_role("button", name="Absent")
    ).to_have_attribute("aria-pressed", "true")


def test_a_coordinator_schedules_a_session_in_the_program_time_zone(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.goto("/schedule/new")
    page.get_by_text("Debrief", exact=True).click()
    page.get_by_label("Topic").fill("After the code on 7 West")
    page.get_by_label("Date").fill("2031-03-09")
    page.get_by_label("Start time (America/New_York)").fill("02:30")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("#start_time-error")).to_contain_text("does not exist on Mar 9, 2031")
    expect(page.get_by_label("Topic")).to_have_value("After the code on 7 West")
    page.get_by_label("Start time (America/New_York)").fill("15:30")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**/schedule?done=scheduled")
    expect(page.get_by_role("status")).to_have_text("The session is scheduled.")
    expect(page.get_by_text("Sun Mar 9, 2031, 3:30 PM")).to_be_visible()


def test_a_coordinator_opens_the_monthly_tally_for_the_room(
    desktop_page: Page, live_server: LiveServer, busy_month: str
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    # The month is named: which month the tally opens on by default depends on the day of the
    # month and on the other tests' sessions on this shared server (tests/web pins the default).
    page.goto(f"/tally?month={busy_month}")
    label = datetime.strptime(busy_month, "%Y-%m").strftime("%B %Y")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Monthly tally: {label}")
    expect(page.get_by_text("Room view: the figures report viewers see.")).to_be_visible()
    expect(page.locator("#tally-setting")).to_be_visible()
    expect(page.locator(".matrix-table")).to_be_visible()
    screenshot(page, "tally.png")

    page.get_by_role("link", name="Exact counts (your screen only, not for the room)").click()
    expect(page.get_by_text("Exact counts: for your own screen, not for the room.")).to_be_visible()
    assert page.locator(".suppressed").count() == 0
    page.get_by_role("link", name="Show the room view").click()
    expect(page.get_by_text("Room view: the figures report viewers see.")).to_be_visible()


@pytest.mark.parametrize("exact", ["", "&exact=1"])
def test_the_tally_prints_on_one_letter_page(
    desktop_page: Page, live_server: LiveServer, busy_month: str, exact: str
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.goto(f"/tally?month={busy_month}{exact}")
    expect(page.locator(".matrix-table")).to_be_visible()
    pdf = page.pdf(format="Letter", print_background=False)
    assert pdf.startswith(b"%PDF")
    assert len(PAGE_OBJECT.findall(pdf)) == 1
    if not exact:  # what the printed page looks like, for people to check
        page.set_viewport_size({"width": 816, "height": 1056})  # Letter at 96 dpi
        page.emulate_media(media="print")
        screenshot(page, "tally-print.png")


def test_the_tally_links_from_each_monthly_session(
    desktop_page: Page, live_server: LiveServer, busy_month: str
) -> None:
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.goto("/schedule")
    page.get_by_role("link", name="Tally for Moral distress and repair").first.click()
    page.wait_for_url(f"**/tally?month={busy_month}")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_sessions_attendance_and_tally_pages_pass_axe(
    desktop_page: Page,
    live_server: LiveServer,
    busy_month: str,
    scheme: Literal["light", "dark"],
) -> None:
    page = desktop_page
    session_id, _ = training_with_three_invited(live_server)
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.emulate_media(color_scheme=scheme)
    for path in (
        "/schedule",
        "/schedule/new",
        f"/schedule/{session_id}/attendance",
        f"/tally?month={busy_month}",
        f"/tally?month={busy_month}&exact=1",
    ):
        page.goto(path)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert violations_report(page) == ""
    page.goto(f"/schedule/{session_id}/attendance")
    page.get_by_role("group", name="Ada Attends").get_by_role("button", name="Excused").click()
    expect(page.locator("#attendance-counts")).to_contain_text("1 excused")
    assert violations_report(page) == ""


WORST_MONTH = date(2023, 2, 14)


@pytest.fixture(scope="module")
def worst_month(live_server: LiveServer) -> str:
    """February 2023 at its fullest: every active profession of the program on both sides of
    the matrix, every stressor and every escalation with counts."""
    with unit_of_work(live_server.engine) as session:
        professions = list(
            session.exec(select(Profession.code).where(col(Profession.active).is_(True)))
        )
        assert len(professions) >= 10
        team = [make_supporter(session, trained_on=date(2020, 1, 1)) for _ in range(3)]
        stressors, escalations = list(Stressor), list(Escalation)
        for i, own in enumerate(professions):
            for j, peer in enumerate(professions):
                two = {stressors[(i + j) % len(stressors)], stressors[(i * 3 + j) % len(stressors)]}
                add_encounter_rows_by(
                    session, team, 3 + (i + j) % 4, on=WORST_MONTH, supporter_profession=own,
                    peer_profession_code=peer, stressors=tuple(sorted(two)),
                    escalation=escalations[(i + 2 * j) % len(escalations)].value,
                    setting=list(EncounterSetting)[(i + j) % len(EncounterSetting)].value,
                )  # fmt: skip
    return WORST_MONTH.strftime("%Y-%m")


@pytest.mark.parametrize("exact", ["", "&exact=1"])
def test_the_fullest_tally_still_prints_on_one_letter_page(
    desktop_page: Page,
    live_server: LiveServer,
    worst_month: str,
    exact: str,
) -> None:
    """Every profession both ways, every stressor and escalation: still one Letter page. (The
    tally does not show the program name, so its length cannot matter.)"""
    page = desktop_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    page.goto(f"/tally?month={worst_month}{exact}")
    expect(page.locator(".matrix-table")).to_be_visible()
    with Session(live_server.engine) as session:
        professions = session.exec(
            select(func.count()).where(col(Profession.active).is_(True))
        ).one()
    matrix = page.locator(".matrix-table")
    assert matrix.locator("tbody tr").count() == professions
    assert matrix.locator("thead th").count() == professions + 1
    assert page.locator("#tally-stressor tbody tr").count() == len(Stressor)
    assert page.locator("#tally-escalation tbody tr").count() == len(Escalation)
    pdf = page.pdf(format="Letter", print_background=False)
    assert len(PAGE_OBJECT.findall(pdf)) == 1
    if exact:
        page.set_viewport_size({"width": 816, "height": 1056})
        page.emulate_media(media="print")
        screenshot(page, "tally-print-fullest.png")
