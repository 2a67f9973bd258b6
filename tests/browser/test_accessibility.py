"""Every supporter page, signed out and signed in, in the light and the dark theme, passes
axe-core's checks (WCAG 2 A and AA, contrast included, and axe's best practices)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, StorageState, expect

from tests.browser.conftest import (
    PHONE,
    ConsoleWatch,
    LiveServer,
    phone_context,
    sign_in,
)

pytestmark = pytest.mark.browser

AXE = Axe()
SCHEMES: list[Literal["light", "dark"]] = ["light", "dark"]


def open_crisis_panel(page: Page) -> None:
    page.locator("summary", has_text="Crisis help").tap()
    expect(page.locator(".crisis-panel")).to_be_visible()


def submit_empty_log(page: Page) -> None:
    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator(".error-summary")).to_contain_text("Choose where it happened")


def open_more_details(page: Page) -> None:
    page.locator("summary", has_text="More details").tap()
    expect(page.get_by_label("Find a resource")).to_be_visible()


def log_one(page: Page) -> None:
    page.get_by_text("Virtual", exact=True).tap()
    page.get_by_label("Colleague's profession").select_option("pharmacist")
    page.get_by_text("Under 15", exact=True).tap()
    page.get_by_text("Personal", exact=True).tap()
    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")


def open_the_first(link_name: str, heading: str) -> Callable[[Page], None]:
    def follow(page: Page) -> None:
        page.get_by_role("link", name=link_name).first.tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)

    return follow


def nothing(page: Page) -> None:
    return None


# (address, what to do there before checking)
SIGNED_OUT: dict[str, tuple[str, Callable[[Page], None]]] = {
    "home": ("/", nothing),
    "home with the crisis panel open": ("/", open_crisis_panel),
    "sign-in": ("/sign-in", nothing),
    "crisis": ("/crisis", nothing),
}
SIGNED_IN: dict[str, tuple[str, Callable[[Page], None]]] = {
    "home": ("/", nothing),
    "home with the crisis panel open": ("/", open_crisis_panel),
    "guide": ("/guide", nothing),
    "log": ("/log", nothing),
    "log with more details open": ("/log", open_more_details),
    "log with a validation error": ("/log", submit_empty_log),
    "log after logging": ("/log", log_one),
    "my encounters": ("/encounters", nothing),
    "change an encounter": ("/encounters", open_the_first("Change", "Change the encounter")),
    "delete an encounter": ("/encounters", open_the_first("Delete", "Delete this encounter?")),
    "resources": ("/resources", nothing),
    "resources with nothing found": ("/resources?q=quixotic+zephyr", nothing),
    "sessions": ("/sessions", nothing),
    "debrief": ("/debrief", nothing),
    "crisis": ("/crisis", nothing),
    "guide at its second step": ("/guide", open_the_first("Next", "Encounter guide")),
}


def violations_report(page: Page) -> str:
    """'' when axe finds nothing wrong, else one readable line per element at fault."""
    results = AXE.run(page)
    if results.violations_count == 0:
        return ""
    lines = [f"{page.url}:"]
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            lines.append(
                f"  {violation['id']} ({violation['impact']}): {node['target']} "
                f"{node.get('failureSummary', '').splitlines()[-1].strip()}"
            )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def signed_in_state(browser: Browser, live_server: LiveServer) -> StorageState:
    """A supporter with two encounters this month, signed in once for the module."""
    context = phone_context(browser, live_server, PHONE)
    sign_in(context.new_page(), live_server.new_supporter(encounters=2))
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def signed_in_page(
    browser: Browser, live_server: LiveServer, signed_in_state: StorageState
) -> Iterator[Page]:
    context = phone_context(browser, live_server, PHONE, storage_state=signed_in_state)
    page = context.new_page()
    watch = ConsoleWatch(page)
    yield page
    context.close()
    assert watch.errors == [], "the browser console reported errors"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(SIGNED_OUT))
def test_pages_for_everyone_pass_axe(
    page: Page, name: str, scheme: Literal["light", "dark"]
) -> None:
    path, prepare = SIGNED_OUT[name]
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    prepare(page)
    assert violations_report(page) == ""


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(SIGNED_IN))
def test_supporter_pages_pass_axe(
    signed_in_page: Page, name: str, scheme: Literal["light", "dark"]
) -> None:
    page = signed_in_page
    path, prepare = SIGNED_IN[name]
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    prepare(page)
    assert violations_report(page) == ""
