"""Every supporter page, signed out and signed in, at both phone sizes (390x844 and 360x740) and
in the light and the dark theme, passes axe-core's checks (WCAG 2 A and AA, contrast included,
and axe's best practices). Each state loads once per size; both themes are checked on it."""

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
    keep_forms,
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


def kept_notice_on_sign_in(page: Page) -> None:
    expect(page.locator(".notice")).to_contain_text("your answers were kept")


# (address, what to do there before checking)
SIGNED_OUT: dict[str, tuple[str, Callable[[Page], None]]] = {
    "home": ("/", nothing),
    "home with the crisis panel open": ("/", open_crisis_panel),
    "sign-in": ("/sign-in", nothing),
    "sign-in after a form was kept": ("/sign-in?next=%2Flog&kept=1", kept_notice_on_sign_in),
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
    browser: Browser,
    live_server: LiveServer,
    signed_in_state: StorageState,
    viewport: dict[str, int],
) -> Iterator[Page]:
    """The module's supporter, at each phone size in turn."""
    context = phone_context(browser, live_server, viewport, storage_state=signed_in_state)
    page = context.new_page()
    watch = ConsoleWatch(page)
    yield page
    context.close()
    assert watch.errors == [], "the browser console reported errors"


def violations_in_both_themes(page: Page) -> str:
    """The page as it is now, checked in the light theme and then in the dark one (the
    stylesheet's media queries follow without a reload)."""
    reports = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        assert dark == (scheme == "dark")
        report = violations_report(page)
        reports += [f"{scheme}: {report}"] if report else []
    return "\n".join(reports)


@pytest.mark.parametrize("name", list(SIGNED_OUT))
def test_pages_for_everyone_pass_axe(phone_page: Page, name: str) -> None:
    page = phone_page
    path, prepare = SIGNED_OUT[name]
    page.goto(path)
    prepare(page)
    assert violations_in_both_themes(page) == ""


@pytest.mark.parametrize("name", list(SIGNED_IN))
def test_supporter_pages_pass_axe(signed_in_page: Page, name: str) -> None:
    page = signed_in_page
    path, prepare = SIGNED_IN[name]
    page.goto(path)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    prepare(page)
    assert violations_in_both_themes(page) == ""


def test_kept_forms_and_an_ended_session_pass_axe(
    phone_page: Page, live_server: LiveServer
) -> None:
    """The notices of issue 10's kept forms: /log and /debrief with a kept form (and its
    Discard button), and the notice a page shows when its session has ended."""
    page = phone_page
    login = live_server.new_supporter()
    keep_forms(live_server, login)
    page.clock.install()
    sign_in(page, login)
    found = []
    for path in ("/debrief", "/log"):  # the log last: the session ends on it
        page.goto(path)
        expect(page.locator(".kept-form-notice")).to_be_visible()
        found.append(violations_in_both_themes(page))
    # The session ended (the server's answer to the keep-alive ping stood in for): a tap after
    # a quiet spell asks, and the page says so.
    page.route("**/session/alive", lambda route: route.fulfill(status=401))
    page.clock.fast_forward(6 * 60 * 1000)  # longer than the longest wait between pings
    page.locator("label.choice", has_text="ICU").first.tap()
    expect(page.locator("#session-status")).to_contain_text("Your session has ended.")
    found.append(violations_in_both_themes(page))
    assert [report for report in found if report] == []
