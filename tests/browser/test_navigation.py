"""Finding one's way on a phone (390x844 and 360x740): the tab bar lights the page you are on and
fits the screen, every link and button is big enough for a thumb, the crisis panel closes the
way people expect, the guide steps back and forth, and times show in the phone's own zone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.codes import Role
from domain.db import unit_of_work
from domain.program_settings.service import get_program_settings
from tests.browser.conftest import (
    PHONE,
    ConsoleWatch,
    LiveServer,
    keep_forms,
    phone_context,
    sign_in,
    sign_in_to_workspace,
)

pytestmark = pytest.mark.browser

TARGET_PX = 44
SUPPORTER_TABS = ["Home", "Log", "My encounters", "Resources", "Guide"]
MEMBER_TABS = ["Home", "Resources", "Guide"]
PROGRAM_ZONE = "America/Chicago"
PHONE_ZONE = "Asia/Tokyo"  # 14 or 15 hours from the program: every hour shown differs
DATE_TIME_PATTERN = "%a %b %-d, %Y, %-I:%M %p"  # web/rendering.py's local_time


def tab_bar(page: Page) -> Any:
    return page.get_by_role("navigation", name="Main")


def lit_tab(page: Page) -> Any:
    return tab_bar(page).locator('[aria-current="page"]')


def assert_fits_the_screen(page: Page) -> None:
    """Neither the page nor the tab bar scrolls sideways, and no tab's name is cut."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"
    cut = page.evaluate(
        """() => [document.querySelector('nav.tab-bar'),
                  ...document.querySelectorAll('nav.tab-bar a')]
              .filter(el => el.scrollWidth > el.clientWidth).map(el => el.textContent.trim())"""
    )
    assert cut == [], f"scrolls sideways or cut at {page.url}: {cut}"


def assert_every_tab_is_on_screen(page: Page, names: list[str]) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    tabs = tab_bar(page).get_by_role("link")
    expect(tabs).to_have_text(names)
    for tab in tabs.all():
        box = tab.bounding_box()
        assert box is not None
        name = tab.inner_text()
        assert box["x"] >= 0, name
        assert box["x"] + box["width"] <= viewport["width"], name
        assert box["y"] >= 0, name
        assert box["y"] + box["height"] <= viewport["height"], name
        assert box["width"] >= TARGET_PX, name
        assert box["height"] >= TARGET_PX, name


def follow_first(link_name: str, heading: str) -> Callable[[Page], None]:
    def follow(page: Page) -> None:
        page.goto("/encounters")
        page.get_by_role("link", name=link_name).first.tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)

    return follow


def visit(path: str) -> Callable[[Page], None]:
    def go(page: Page) -> None:
        page.goto(path)

    return go


def open_crisis_panel(page: Page) -> None:
    page.goto("/")
    page.locator("summary", has_text="Crisis help").tap()
    expect(page.locator(".crisis-panel")).to_be_visible()


def open_more_details(page: Page) -> None:
    page.goto("/log")
    page.locator("summary", has_text="More details").tap()
    expect(page.locator("details.more[open]")).to_have_count(1)


# (how to get there, the tab that must be lit)
SUPPORTER_PAGES: dict[str, tuple[Callable[[Page], None], str]] = {
    "home": (visit("/"), "Home"),
    "log": (visit("/log"), "Log"),
    "my encounters": (visit("/encounters"), "My encounters"),
    "change an encounter": (follow_first("Change", "Change the encounter"), "My encounters"),
    "delete an encounter": (follow_first("Delete", "Delete this encounter?"), "My encounters"),
    "resources": (visit("/resources"), "Resources"),
    "guide": (visit("/guide"), "Guide"),
    "sessions": (visit("/sessions"), "Home"),
    "debrief": (visit("/debrief"), "Home"),
    "crisis": (visit("/crisis"), "Guide"),
}


def test_the_right_tab_is_lit_and_everything_fits_on_every_supporter_page(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter(encounters=1))
    for name, (go, tab) in SUPPORTER_PAGES.items():
        go(page)
        expect(lit_tab(page), name).to_have_text(tab)
        assert_every_tab_is_on_screen(page, SUPPORTER_TABS)
        assert_fits_the_screen(page)


def test_the_tab_bar_leads_to_each_page(phone_page: Page, live_server: LiveServer) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter(encounters=1))
    for tab, heading in (
        ("Log", "Log an encounter"),
        ("My encounters", "My encounters"),
        ("Resources", "Resources"),
        ("Guide", "Encounter guide"),
        ("Home", "Hello, Sam"),
    ):
        tab_bar(page).get_by_role("link", name=tab, exact=True).tap()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(lit_tab(page)).to_have_text(tab)
    # Sessions left the tab bar: Home leads to it.
    page.get_by_role("link", name="Sessions and attendance").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions")


def test_the_last_thing_on_a_page_is_not_hidden_under_the_tab_bar(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    bar = tab_bar(page).bounding_box()
    assert sign_out is not None
    assert bar is not None
    assert sign_out["y"] + sign_out["height"] <= bar["y"], "Sign out hides under the tab bar"


def test_people_without_a_supporter_profile_get_home_resources_and_guide(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in_to_workspace(page, live_server.new_member(Role.coordinator))
    expect(lit_tab(page)).to_have_text("Home")
    assert_every_tab_is_on_screen(page, MEMBER_TABS)
    # The coordinators' workspace keeps its own navigation.
    expect(page.get_by_role("navigation", name="Program")).to_contain_text("Inbox")
    page.goto("/guide")
    expect(lit_tab(page)).to_have_text("Guide")


# Targets a thumb can hit.

MEASURE_TARGETS = """() => {
  const name = el => (el.getAttribute('aria-label') || el.textContent || el.value || el.tagName)
    .replace(/\\s+/g, ' ').trim().slice(0, 40);
  const inFixed = el => { for (let e = el; e; e = e.parentElement) {
    if (getComputedStyle(e).position === 'fixed') return true; } return false; };
  const targets = [...document.querySelectorAll(
      'a[href], button, summary, input[type=submit], input[type=button], input[type=reset]')]
    .filter(el => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
    .map(el => { const r = el.getBoundingClientRect();
      return { el, name: name(el), fixed: inFixed(el),
               x: r.left, y: r.top, w: r.width, h: r.height }; })
    // Off the page (the skip link until it has the focus) is not a target.
    .filter(t => t.w > 0 && t.h > 0 && t.x + t.w > 0);
  const overlaps = (a, b) =>
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const size = t => `${t.name} (${Math.round(t.w)}x${Math.round(t.h)})`;
  const undersized = t => t.w < 43.99 || t.h < 43.99;
  const squareOf = t => ({ x: t.x + t.w / 2 - 22, y: t.y + t.h / 2 - 22, w: 44, h: 44 });
  // Targets on the same layer (the fixed bars apart from the page) and not one inside the other.
  const apart = (a, b) => a !== b && a.fixed === b.fixed && !a.el.contains(b.el)
    && !b.el.contains(a.el);
  const offenders = [];
  for (const t of targets.filter(undersized)) {
    // WCAG 2.5.8's spacing exception with the house's 44px: a 44px square centred on the target
    // overlaps no other target, nor another undersized target's square (two small links side
    // by side both fail). Under 24px (2.5.8's own minimum) never passes.
    const square = squareOf(t);
    const crowded = targets.filter(o => apart(t, o) && (overlaps(square, o)
      || (undersized(o) && overlaps(square, squareOf(o))))).map(o => o.name);
    if (crowded.length) offenders.push(`${size(t)} near ${crowded.join(', ')}`);
    else if (t.w < 24 || t.h < 24) offenders.push(size(t));
  }
  return { count: targets.length, offenders };
}"""


def log_one(page: Page) -> None:
    """Save a log with JavaScript: the confirmation replaces the form (log_done.html)."""
    page.goto("/log")
    page.locator(".choice", has_text="Inpatient").first.tap()
    page.get_by_label("Colleague's profession").select_option("physician")
    page.locator(".choice", has_text="15–30").tap()
    page.locator(".choice", has_text="Violence").tap()
    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")


def not_found_page(page: Page) -> Page:
    """The error page (a 404, signed in), in a tab of its own: Chromium logs the 404 in the
    console, which the test's own tab keeps free of errors."""
    tab = page.context.new_page()
    tab.goto("/no/such/page")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Sorry")
    return tab


TARGET_PAGES: dict[str, Callable[[Page], Page | None]] = {
    "home": visit("/"),
    "log": visit("/log"),
    "log with more details open": open_more_details,
    "my encounters": visit("/encounters"),
    "resources": visit("/resources"),
    "sessions": visit("/sessions"),
    "debrief": visit("/debrief"),
    "guide": visit("/guide"),
    "change an encounter": follow_first("Change", "Change the encounter"),
    "delete confirmation": follow_first("Delete", "Delete this encounter?"),
    "crisis panel": open_crisis_panel,
    "crisis": visit("/crisis"),
    "error page": not_found_page,
    "log done": log_one,  # last: it logs one more encounter
}
NEED_AN_ENCOUNTER = ("change an encounter", "delete confirmation")


def test_every_link_and_button_is_big_enough_for_a_thumb(
    phone_page: Page, live_server: LiveServer
) -> None:
    """Measured for a new supporter (home offers "Ask a trainer for a debrief", My encounters
    "Log one") and for one past the month's number with 51 encounters (the debrief prompt,
    "Older encounters") whose log and debrief request were kept when a session ended (the kept
    form's notice and its Discard button on /log and /debrief)."""
    page = phone_page
    too_small: list[str] = []
    for encounters in (0, 51):
        page.context.clear_cookies()
        login = live_server.new_supporter(encounters=encounters)
        if encounters:
            keep_forms(live_server, login)
        sign_in(page, login)
        for name, go in TARGET_PAGES.items():
            if encounters == 0 and name in NEED_AN_ENCOUNTER:
                continue
            shown = go(page) or page
            if encounters and name in ("log", "debrief"):
                expect(page.locator(".kept-form-notice"), name).to_be_visible()
            measured = shown.evaluate(MEASURE_TARGETS)
            if shown is not page:
                shown.close()
            assert measured["count"] > 5, f"{name}: nothing measured"
            too_small += [f"{name}, {encounters}: {offender}" for offender in measured["offenders"]]
    assert too_small == [], "under 44x44 CSS px without the spacing:\n" + "\n".join(too_small)


# The crisis panel.


def open_a_page_with_the_crisis_button(
    page: Page, live_server: LiveServer, signed_in: bool
) -> None:
    """Signed out: the home page. Signed in: a supporter page with the tab bar at the bottom."""
    if signed_in:
        sign_in(page, live_server.new_supporter())
        page.goto("/guide")
        expect(tab_bar(page)).to_be_visible()
    else:
        page.goto("/")


SIGNED_IN_OR_NOT = pytest.mark.parametrize(
    "signed_in", [False, True], ids=["signed out", "signed in with the tab bar"]
)


@SIGNED_IN_OR_NOT
def test_escape_closes_the_crisis_panel_and_the_focus_returns_to_its_button(
    phone_page: Page, live_server: LiveServer, signed_in: bool
) -> None:
    page = phone_page
    open_a_page_with_the_crisis_button(page, live_server, signed_in)
    button = page.locator("summary", has_text="Crisis help")
    button.tap()
    expect(page.locator(".crisis-panel")).to_be_visible()
    page.locator(".crisis-panel a").first.focus()

    page.keyboard.press("Escape")

    expect(page.locator(".crisis-panel")).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_accessible_name("Crisis help")


@SIGNED_IN_OR_NOT
def test_a_tap_outside_closes_the_crisis_panel(
    phone_page: Page, live_server: LiveServer, signed_in: bool
) -> None:
    page = phone_page
    open_a_page_with_the_crisis_button(page, live_server, signed_in)
    address = page.url
    page.locator("summary", has_text="Crisis help").tap()
    expect(page.locator(".crisis-panel")).to_be_visible()
    if signed_in:
        # Every contact in the open panel can be tapped: none hides under the tab bar.
        bar = tab_bar(page).bounding_box()
        assert bar is not None
        for contact in page.locator(".crisis-panel a").all():
            contact.scroll_into_view_if_needed()
            box = contact.bounding_box()
            assert box is not None
            bar = tab_bar(page).bounding_box()
            assert bar is not None
            assert box["y"] + box["height"] <= bar["y"], f"{contact.inner_text()} under the tab bar"
        page.evaluate("window.scrollTo(0, 0)")

    # A tap on the page below the panel (a tap beside it, in the narrow margin, the phone
    # counts as a tap on the panel).
    panel = page.locator(".crisis-panel").bounding_box()
    assert panel is not None
    page.touchscreen.tap(panel["x"] + panel["width"] / 2, panel["y"] + panel["height"] + 30)

    expect(page.locator(".crisis-panel")).to_be_hidden()
    assert page.url == address
    # And it opens again with one tap.
    page.locator("summary", has_text="Crisis help").tap()
    expect(page.locator(".crisis-panel")).to_be_visible()


def test_without_javascript_the_crisis_panel_still_opens_and_closes(
    browser: Browser, live_server: LiveServer
) -> None:
    context = phone_context(browser, live_server, PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    button = page.locator("summary", has_text="Crisis help")
    button.tap()
    expect(page.locator(".crisis-panel")).to_be_visible()
    button.tap()
    expect(page.locator(".crisis-panel")).to_be_hidden()
    context.close()


# The guide.


def step_headings(page: Page) -> list[str]:
    return page.locator(".guide-step h2").all_inner_texts()


def test_the_guide_steps_forward_and_back_and_the_focus_follows(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.goto("/guide")
    cards = page.locator(".guide-step")
    titles = step_headings(page)
    assert len(titles) >= 3
    expect(cards.first.get_by_role("link", name=re.compile("^Previous"))).to_have_count(0)
    expect(cards.last.get_by_role("link", name=re.compile("^Next"))).to_have_count(0)

    cards.nth(0).get_by_role("link", name=re.compile("^Next")).tap()
    expect(cards.nth(1).locator("h2")).to_be_focused()
    expect(cards.nth(1)).to_be_in_viewport(ratio=0.8)
    assert page.url.endswith("#" + (cards.nth(1).get_attribute("id") or "?"))

    cards.nth(1).get_by_role("link", name=re.compile("^Next")).tap()
    expect(cards.nth(2).locator("h2")).to_be_focused()
    expect(cards.nth(2)).to_be_in_viewport(ratio=0.8)

    cards.nth(2).get_by_role("link", name=re.compile("^Previous")).tap()
    expect(cards.nth(1).locator("h2")).to_be_focused()
    expect(cards.nth(1)).to_be_in_viewport(ratio=0.8)
    # The links name the step they lead to for a screen reader.
    expect(cards.nth(1).get_by_role("link", name=re.compile("^Next"))).to_have_accessible_name(
        f"Next step: {titles[2]}"
    )


@pytest.fixture
def page_without_javascript(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = phone_context(browser, live_server, PHONE, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def sign_in_without_javascript(page: Page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url("**/")


def test_without_javascript_the_guide_links_jump_to_the_next_card(
    page_without_javascript: Page, live_server: LiveServer
) -> None:
    page = page_without_javascript
    login = live_server.new_supporter()
    sign_in_without_javascript(page, login.email, login.password)
    page.goto("/guide")
    cards = page.locator(".guide-step")
    second = cards.nth(1).get_attribute("id")

    cards.nth(0).get_by_role("link", name=re.compile("^Next")).tap()

    page.wait_for_url(f"**/guide#{second}")
    expect(cards.nth(1)).to_be_in_viewport(ratio=0.8)


# Times: the program's zone from the server, the phone's own with JavaScript.


@pytest.fixture
def program_zone(live_server: LiveServer) -> Iterator[str]:
    with unit_of_work(live_server.engine) as session:
        settings = get_program_settings(session)
        before, settings.time_zone = settings.time_zone, PROGRAM_ZONE
        session.add(settings)
    yield PROGRAM_ZONE
    with unit_of_work(live_server.engine) as session:
        settings = get_program_settings(session)
        settings.time_zone = before
        session.add(settings)


def shown_times(page: Page) -> list[tuple[datetime, str, bool]]:
    """Each date-time the sessions page shows: the moment, its text, whether a date only."""
    page.goto("/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions")
    times = page.locator("time[data-local-time]")
    found = [
        (
            datetime.fromisoformat(element.get_attribute("datetime") or ""),
            element.inner_text(),
            element.get_attribute("data-local-time") == "date",
        )
        for element in times.all()
    ]
    assert len(found) >= 2, "the seeded supporter has a past and an upcoming session"
    assert any(date_only for *_, date_only in found), "a past session (a date)"
    assert not all(date_only for *_, date_only in found), "an upcoming one (a date and time)"
    return found


def next_session_time(page: Page) -> tuple[datetime, Any]:
    """Home's "Next session": its moment and the element that shows it."""
    page.goto("/")
    section = page.locator("section", has=page.get_by_role("heading", name="Next session"))
    time = section.locator("time[data-local-time]")
    expect(time).to_have_count(1)
    return datetime.fromisoformat(time.get_attribute("datetime") or ""), time


def in_zone(moment: datetime, zone: str, date_only: bool) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(
        "%b %-d, %Y" if date_only else DATE_TIME_PATTERN
    )


def test_session_times_show_in_the_phones_own_zone(
    browser: Browser, live_server: LiveServer, program_zone: str
) -> None:
    context = phone_context(browser, live_server, PHONE, timezone_id=PHONE_ZONE)
    page = context.new_page()
    watch = ConsoleWatch(page)
    sign_in(page, live_server.supporter)
    for moment, text, date_only in shown_times(page):
        assert text == in_zone(moment, PHONE_ZONE, date_only)
        if not date_only:
            assert text != in_zone(moment, program_zone, date_only)
    moment, shown = next_session_time(page)
    expect(shown).to_have_text(in_zone(moment, PHONE_ZONE, date_only=False))
    assert in_zone(moment, PHONE_ZONE, False) != in_zone(moment, program_zone, False)
    context.close()
    assert watch.errors == []


def test_without_javascript_session_times_show_in_the_programs_zone(
    browser: Browser, live_server: LiveServer, program_zone: str
) -> None:
    context = phone_context(
        browser, live_server, PHONE, timezone_id=PHONE_ZONE, java_script_enabled=False
    )
    page = context.new_page()
    login = live_server.supporter
    sign_in_without_javascript(page, login.email, login.password)
    for moment, text, date_only in shown_times(page):
        assert text == in_zone(moment, program_zone, date_only)
    moment, shown = next_session_time(page)
    expect(shown).to_have_text(in_zone(moment, program_zone, date_only=False))
    context.close()
