"""The roster in Chromium at 1280x800: a coordinator opens it, filters it (htmx refreshes the
table and the address), opens a supporter, previews and applies an import; axe-core finds
nothing wrong on the roster pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import FilePayload, Page, expect

from domain.codes import Role, SupporterStatus
from domain.db import unit_of_work
from domain.org_units.models import OrgUnit
from tests.browser.conftest import LiveServer, screenshot, sign_in_to_workspace
from tests.browser.test_accessibility import violations_report
from tests.factories import make_org_unit, make_supporter, make_user

pytestmark = pytest.mark.browser

PEOPLE = [
    ("Avery Alvarez", "physician", SupporterStatus.active),
    ("Blake Brown", "nurse", SupporterStatus.active),
    ("Casey Chen", "pharmacist", SupporterStatus.paused),
    ("Devon Diaz", "social_worker", SupporterStatus.candidate),
]


@pytest.fixture(scope="module")
def roster_people(live_server: LiveServer) -> dict[str, int]:
    """A few supporters with units, once for the module."""
    made: dict[str, int] = {}
    with unit_of_work(live_server.engine) as session:
        school = make_org_unit(session, name="School of Medicine", kind="school")
        unit: OrgUnit = make_org_unit(session, name="Cardiology", parent_id=school.id)
        for name, profession, status in PEOPLE:
            user = make_user(session, roles=(Role.supporter,), display_name=name)
            supporter = make_supporter(
                session,
                user=user,
                profession_code=profession,
                status=status,
                org_unit_id=unit.id,
                trained_on=None if status == SupporterStatus.candidate else date(2025, 9, 1),
            )
            assert supporter.id is not None
            made[name] = supporter.id
    return made


@pytest.fixture
def coordinator_page(
    desktop_page: Page, live_server: LiveServer, roster_people: dict[str, int]
) -> Page:
    sign_in_to_workspace(desktop_page, live_server.new_member(Role.coordinator))
    return desktop_page


def test_open_the_roster_filter_it_and_open_a_supporter(coordinator_page: Page) -> None:
    page = coordinator_page
    page.goto("/roster")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roster")
    table = page.locator("#roster-table")
    for name, _, _ in PEOPLE:
        expect(table).to_contain_text(name)
    screenshot(page, "roster.png")

    page.get_by_label("Status").select_option("paused")
    expect(page).to_have_url(re.compile(r"/roster\?.*status=paused"))
    expect(table.get_by_role("link", name="Casey Chen")).to_be_visible()
    expect(table).not_to_contain_text("Blake Brown")

    page.get_by_label("Status").select_option("")
    page.get_by_label("Name or email").fill("blake")
    expect(table).not_to_contain_text("Avery Alvarez")
    table.get_by_role("link", name="Blake Brown").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Blake Brown")
    expect(page.locator(".facts")).to_contain_text("School of Medicine / Cardiology")

    page.get_by_label("Monthly cap (encounters)").fill("5")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Changes saved.")
    expect(page.locator(".facts")).to_contain_text("0 of 5")


def test_import_a_roster_file_preview_then_apply(coordinator_page: Page) -> None:
    page = coordinator_page
    page.goto("/roster/import")
    csv = (
        "email,name,profession,org unit\n"
        "browser.import@hospital.example.org,Browser Import,Nurse,School of Medicine / Cardiology\n"
        'bad.row@hospital.example.org,=HYPERLINK("x"),nurse,\n'
    )
    chosen: FilePayload = {"name": "roster.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    page.get_by_label("CSV file").set_input_files(files=[chosen])
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("status")).to_contain_text("1 of 2 rows can be imported")
    expect(page.locator(".row-errors")).to_contain_text("like a spreadsheet formula")
    page.get_by_role("button", name="Import the 1 good row").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roster imported")
    expect(page.get_by_role("status")).to_contain_text("1 supporter invited")


def invite_with_an_error(page: Page) -> None:
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("#email-error")).to_be_visible()


def nothing(page: Page) -> None:
    return None


ROSTER_PAGES: dict[str, tuple[str, Callable[[Page], None]]] = {
    "roster": ("/roster", nothing),
    "roster filtered to nothing": ("/roster?q=nobody-at-all", nothing),
    "invite": ("/roster/invite", invite_with_an_error),
    "import": ("/roster/import", nothing),
}


@pytest.mark.parametrize("name", list(ROSTER_PAGES))
def test_roster_pages_pass_axe(coordinator_page: Page, name: str) -> None:
    path, prepare = ROSTER_PAGES[name]
    coordinator_page.goto(path)
    prepare(coordinator_page)
    assert violations_report(coordinator_page) == ""


def test_a_supporters_page_passes_axe(
    coordinator_page: Page, roster_people: dict[str, int]
) -> None:
    coordinator_page.goto(f"/roster/{roster_people['Avery Alvarez']}")
    assert violations_report(coordinator_page) == ""
    coordinator_page.get_by_label("Monthly cap (encounters)").fill("0")
    coordinator_page.get_by_role("button", name="Save changes").click()
    expect(coordinator_page.locator("#max_encounters_per_month-error")).to_be_visible()
    assert violations_report(coordinator_page) == ""
