"""A coordinator answers a debrief request at 1280x800: assign a trainer, then mark it done,
with the row changing in place; the supporter's home follows each step. The coordinator home,
the inbox and the curation list pass axe-core in the light and the dark theme."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.codes import Role
from domain.db import unit_of_work
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.users.service import find_user_by_email
from tests.browser.conftest import (
    DESKTOP,
    ConsoleWatch,
    LiveServer,
    screenshot,
    sign_in_to_workspace,
)
from tests.browser.test_accessibility import violations_report
from tests.factories import actor_of

pytestmark = pytest.mark.browser


@pytest.fixture
def second_desktop_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """Another person's browser beside `desktop_page` (cookies of its own)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]},
        locale="en-US",
    )
    opened = context.new_page()
    watch = ConsoleWatch(opened)
    yield opened
    context.close()
    assert watch.errors == [], "the browser console reported errors"


def test_a_coordinator_answers_a_debrief_request(
    desktop_page: Page, second_desktop_page: Page, live_server: LiveServer
) -> None:
    supporter_login = live_server.new_supporter()
    trainer = live_server.new_member(Role.coordinator)
    supporter, coordinator = second_desktop_page, desktop_page

    # The supporter asks.
    sign_in_to_workspace(supporter, supporter_login)
    supporter.get_by_role("link", name="Ask a trainer for a debrief").click()
    supporter.get_by_role("button", name="Today, please").click()
    expect(supporter.get_by_role("status")).to_contain_text("Request saved")
    supporter.goto("/")
    expect(supporter.locator(".debrief-state")).to_have_text(
        "Your debrief request is waiting for a trainer."
    )

    # The coordinator sees it counted on their home, opens the inbox and assigns a trainer.
    sign_in_to_workspace(coordinator, trainer)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Hello, Pat")
    expect(coordinator.locator(".home-count").first).to_contain_text("open debrief")
    coordinator.get_by_role("navigation", name="Program").get_by_role("link", name="Inbox").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Inbox")
    row = coordinator.locator("tr.debrief-row", has_text=supporter_login.display_name)
    expect(row).to_contain_text("Today")
    row.get_by_label(f"Trainer for {supporter_login.display_name}").select_option(
        label=trainer.display_name
    )
    row.get_by_role("button", name="Assign").focus()
    coordinator.keyboard.press("Enter")
    expect(row.get_by_role("button", name="Reassign")).to_be_visible()
    # The swapped row's button has the same id, so the keyboard focus stays on it.
    expect(row.get_by_role("button", name="Reassign")).to_be_focused()
    assert coordinator.url.endswith("/inbox")  # htmx changed the row, not the page
    screenshot(coordinator, "inbox.png")

    supporter.reload()
    expect(supporter.locator(".debrief-state")).to_have_text(
        f"{trainer.display_name} will contact you."
    )

    # The debrief happened: mark it done.
    row.get_by_role("button", name="Mark done").focus()
    coordinator.keyboard.press("Enter")
    expect(row.locator(".badge", has_text="Done")).to_be_visible()
    expect(row.get_by_role("button", name="Mark done")).to_have_count(0)
    expect(row).to_be_focused()  # the button is gone: the focus lands on its row

    supporter.reload()
    expect(supporter.locator(".debrief-state")).to_contain_text("Your debrief is done.")
    expect(supporter.get_by_role("link", name="Ask a trainer for a debrief")).to_be_visible()


def supporter_asks(live_server: LiveServer) -> None:
    """A supporter at their monthly cap (8) asks for a debrief: every inbox area has a row."""
    login = live_server.new_supporter(encounters=8)
    with unit_of_work(live_server.engine) as session:
        user = find_user_by_email(session, login.email)
        assert user is not None
        request_debrief(session=session, actor=actor_of(user), urgency=DebriefUrgency.today)


@pytest.fixture
def coordinator_page(desktop_page: Page, live_server: LiveServer) -> Page:
    sign_in_to_workspace(desktop_page, live_server.new_member(Role.coordinator))
    return desktop_page


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/inbox", "/curation"])
def test_workspace_pages_of_a_coordinator_pass_axe(
    coordinator_page: Page, live_server: LiveServer, path: str, scheme: Literal["light", "dark"]
) -> None:
    supporter_asks(live_server)
    page = coordinator_page
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert violations_report(page) == ""
    if scheme == "light":
        screenshot(page, {"/": "coordinator-home.png", "/inbox": "inbox-axe.png",
                          "/curation": "curation.png"}[path])  # fmt: skip
