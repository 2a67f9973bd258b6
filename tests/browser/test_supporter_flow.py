"""What a peer supporter does on a phone, between clinical duties: sign in, open the guide, log
an encounter in a few taps, find it again and change it, fix a missed answer, and reach the
crisis lines in one tap without signing in. Every test runs at 390x844 and at 360x740."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer, Taps, screenshot, sign_in

pytestmark = pytest.mark.browser

MAX_TAPS_FOR_A_TYPICAL_ENCOUNTER = 10


def choice(page: Page, legend: str, option: str) -> Locator:
    """A chip or segment of the form, by its group's legend and its own text."""
    group = page.locator("fieldset.choice-group").filter(
        has=page.locator("legend", has_text=legend)
    )
    return group.locator("label.choice").filter(has_text=re.compile(f"^✓? ?{re.escape(option)}$"))


def choice_input(page: Page, legend: str, option: str) -> Locator:
    return choice(page, legend, option).locator("input")


def error_beside(page: Page, legend_or_label: str) -> Locator:
    """The message shown inside a field's own group."""
    group = page.locator("fieldset.choice-group, div.field").filter(
        has=page.locator("legend, label", has_text=legend_or_label)
    )
    return group.locator("p.error")


def mark_page(page: Page) -> None:
    """A JavaScript marker that a full page load would wipe out."""
    page.evaluate("window.stillTheSamePage = true")


def is_the_same_page(page: Page) -> bool:
    return bool(page.evaluate("window.stillTheSamePage === true"))


def assert_fits_the_screen(page: Page) -> None:
    """Nothing makes the page scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_a_supporter_signs_in_opens_the_guide_and_logs_an_encounter_without_a_reload(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    assert_fits_the_screen(page)
    expect(page.locator("#month-count")).to_have_text("0")

    page.get_by_role("link", name="Encounter guide").tap()
    expect(page.get_by_role("heading", name="Encounter guide", level=1)).to_be_visible()
    expect(page.locator(".guide-step").first).to_be_visible()
    assert_fits_the_screen(page)
    page.get_by_role("link", name="Peer Support").tap()  # the site name leads home

    taps = Taps()
    taps.tap(page.get_by_role("link", name="Log an encounter"))
    expect(page.get_by_role("heading", name="Log an encounter")).to_be_visible()
    assert_fits_the_screen(page)
    expect(page.locator("#month-count")).to_have_text("0")
    # What is nearly always true is already chosen.
    expect(choice_input(page, "What you did", "Listened")).to_be_checked()
    expect(choice_input(page, "What they needed", "Comfort")).to_be_checked()
    mark_page(page)

    taps.tap(choice(page, "Where", "Inpatient"))
    taps.pick(page.get_by_label("Colleague's profession"), "physician")
    taps.tap(choice(page, "How long", "15–30"))
    taps.tap(choice(page, "What it was about", "Adverse event"))
    expect(choice_input(page, "Where", "Inpatient")).to_be_checked()
    expect(choice_input(page, "What it was about", "Adverse event")).to_be_checked()
    taps.tap(page.get_by_role("button", name="Save encounter"))

    confirmation = page.locator(".confirmation")
    expect(confirmation).to_contain_text("Encounter logged")
    expect(confirmation).to_contain_text("This month: 1 of 8")
    assert is_the_same_page(page), "logging an encounter reloaded the page"
    assert page.url.endswith("/log")
    # The month's section listens for `encounter-logged` and refreshes itself.
    expect(page.locator("#month-count")).to_have_text("1")
    expect(page.locator("#month .encounter-list")).to_contain_text("Inpatient unit · Adverse event")
    assert taps.count <= MAX_TAPS_FOR_A_TYPICAL_ENCOUNTER, f"{taps.count} taps"


def test_a_logged_encounter_shows_in_my_encounters_and_can_be_changed(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter(encounters=1))
    page.get_by_role("link", name="All my encounters").tap()

    expect(page.get_by_role("heading", name="My encounters")).to_be_visible()
    row = page.locator(".encounter-list li").first
    expect(row).to_contain_text("Inpatient unit · 15–30 min · Adverse event")
    assert_fits_the_screen(page)

    row.get_by_role("link", name="Change").tap()
    expect(page.get_by_role("heading", name=re.compile("^Change the encounter"))).to_be_visible()
    expect(choice_input(page, "Where", "Inpatient")).to_be_checked()
    choice(page, "Where", "ICU").tap()
    choice(page, "How long", "Over 60").tap()
    page.get_by_role("button", name="Save changes").tap()

    expect(page.get_by_role("status")).to_have_text("Encounter changed.")
    expect(page.locator(".encounter-list li").first).to_contain_text(
        "ICU · Over 60 min · Adverse event"
    )
    assert "Inpatient unit" not in page.locator(".encounter-list").inner_text()


def test_a_missing_answer_is_shown_beside_its_field_and_the_other_answers_are_kept(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    mark_page(page)

    choice(page, "How long", "Under 15").tap()
    choice(page, "What it was about", "Workload, burnout").tap()
    page.get_by_role("button", name="Save encounter").tap()

    expect(page.get_by_role("alert")).to_contain_text("Check 2 answers")
    expect(error_beside(page, "Where")).to_have_text("Choose where it happened")
    expect(error_beside(page, "Colleague's profession")).to_have_text(
        "Choose the colleague's profession"
    )
    expect(page.get_by_label("Colleague's profession")).to_have_attribute("aria-invalid", "true")
    # Everything else stays as the supporter left it.
    expect(choice_input(page, "How long", "Under 15")).to_be_checked()
    expect(choice_input(page, "What it was about", "Workload, burnout")).to_be_checked()
    expect(choice_input(page, "What you did", "Listened")).to_be_checked()
    expect(error_beside(page, "How long, in minutes")).to_have_count(0)
    assert is_the_same_page(page), "a validation error reloaded the page"
    expect(page.locator("#month-count")).to_have_text("0")

    # Fixing the two answers is enough.
    choice(page, "Where", "Emergency").tap()
    page.get_by_label("Colleague's profession").select_option("nurse")
    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    expect(page.locator("#month-count")).to_have_text("1")


def test_the_crisis_button_shows_call_and_text_links_in_one_tap_without_signing_in(
    phone_page: Page, viewport: dict[str, int]
) -> None:
    page = phone_page
    page.goto("/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    taps = Taps()

    taps.tap(page.locator("summary", has_text="Crisis help"))

    panel = page.locator(".crisis-panel")
    expect(panel).to_be_visible()
    call = panel.locator('a[href="tel:988"]')
    text = panel.locator('a[href^="sms:988"]')
    expect(call).to_be_visible()
    expect(text).to_be_visible()
    assert taps.count == 1
    for link in (call, text):
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0, "cut off on the left"
        assert box["x"] + box["width"] <= viewport["width"], "cut off on the right"
        assert box["height"] >= 44, "too small to tap"


def test_screenshots_of_home_guide_and_log_at_390(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server.new_supporter(encounters=2))
    written = [screenshot(page, "home.png")]
    page.goto("/guide")
    written.append(screenshot(page, "guide.png"))
    page.goto("/log")
    written.append(screenshot(page, "log.png"))
    for path in written:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"


def test_screenshots_of_what_a_tap_opens_at_390(page: Page, live_server: LiveServer) -> None:
    """The moments a reviewer wants to see too: the crisis panel, a missed answer, a logged
    encounter (the visible screen only)."""
    page.goto("/")
    page.locator("summary", has_text="Crisis help").tap()
    written = [screenshot(page, "crisis-panel.png", full_page=False)]
    sign_in(page, live_server.new_supporter(encounters=1))
    page.goto("/log")
    page.get_by_role("button", name="Save encounter").tap()
    expect(error_beside(page, "Where")).to_be_visible()
    written.append(screenshot(page, "log-error.png", full_page=False))
    choice(page, "Where", "Office").tap()
    page.get_by_label("Colleague's profession").select_option("dentist")
    choice(page, "How long", "Under 15").tap()
    choice(page, "What it was about", "Moral distress").tap()
    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator("#month-count")).to_have_text("2")
    written.append(screenshot(page, "log-logged.png", full_page=False))
    for path in written:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"
