"""The log form on a phone (issue 10): errors that point, with and without JavaScript; every
pre-filled answer shown; a typical encounter within 1.5 screens; the resource finder says when
it finds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    PHONE,
    SCREENSHOTS,
    ConsoleWatch,
    LiveServer,
    phone_context,
    screenshot,
    sign_in,
)
from tests.browser.test_supporter_flow import choice, choice_input, mark_page

pytestmark = pytest.mark.browser

# "The typical encounter fits in at most 1.5 screens at 390x844 with More details closed."
MOST_SCREENS_TO_SAVE = 1.5
SAVE_BOTTOM = "(() => { const box = document.querySelector('.encounter-form button[type=submit]')" \
    ".getBoundingClientRect(); return box.bottom + window.scrollY; })()"  # fmt: skip


@pytest.fixture
def page_without_javascript(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int]
) -> Iterator[Page]:
    opened_context = phone_context(browser, live_server, viewport, java_script_enabled=False)
    opened = opened_context.new_page()
    watch = ConsoleWatch(opened)
    yield opened
    opened_context.close()
    assert watch.errors == [], "the browser console reported errors"


def answer_all_but_the_profession(page: Page) -> None:
    choice(page, "Where", "Clinic").tap()
    choice(page, "How long", "30–60").tap()
    choice(page, "What it was about", "Moral distress").tap()
    choice(page, "What you did", "Encouraged").tap()


def assert_the_summary_points_to_the_profession(page: Page) -> None:
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Check 1 answer")
    link = summary.get_by_role("link", name="Choose the colleague's profession")
    expect(link).to_have_attribute("href", "#peer_profession")
    # The message beside the field says the same.
    expect(page.locator("#peer_profession-error")).to_have_text("Choose the colleague's profession")
    link.tap()
    expect(page.get_by_label("Colleague's profession")).to_be_focused()
    expect(page.get_by_label("Colleague's profession")).to_be_in_viewport()
    # Every other answer is kept.
    expect(choice_input(page, "Where", "Clinic")).to_be_checked()
    expect(choice_input(page, "How long", "30–60")).to_be_checked()
    expect(choice_input(page, "What it was about", "Moral distress")).to_be_checked()
    expect(choice_input(page, "What you did", "Encouraged")).to_be_checked()
    expect(choice_input(page, "What you did", "Listened")).to_be_checked()


def test_a_missing_profession_is_named_at_the_top_and_its_link_leads_to_the_field(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    mark_page(page)
    answer_all_but_the_profession(page)
    page.get_by_role("button", name="Save encounter").tap()
    assert_the_summary_points_to_the_profession(page)
    assert page.evaluate("window.stillTheSamePage === true"), "htmx swapped the form"
    page.get_by_label("Colleague's profession").select_option("nurse")
    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")


def test_without_javascript_too(page_without_javascript: Page, live_server: LiveServer) -> None:
    page = page_without_javascript
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    answer_all_but_the_profession(page)
    page.get_by_role("button", name="Save encounter").tap()
    page.wait_for_load_state()
    assert_the_summary_points_to_the_profession(page)


def test_a_field_at_fault_inside_more_details_is_shown_open_and_the_link_reaches_it(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    answer_all_but_the_profession(page)
    page.get_by_label("Colleague's profession").select_option("physician")
    page.locator("details.more summary").tap()
    page.get_by_label("Date", exact=True).fill("2099-01-01")
    page.locator("details.more summary").tap()  # closed again before saving
    page.get_by_role("button", name="Save encounter").tap()
    link = page.locator(".error-summary").get_by_role("link", name="Date: ")
    expect(link).to_have_text("Date: The encounter date cannot be in the future.")
    expect(page.locator("details.more")).to_have_attribute("open", "")
    # Closed again by the supporter, the section opens for the link.
    page.locator("details.more summary").tap()
    expect(page.get_by_label("Date", exact=True)).to_be_hidden()
    link.tap()
    expect(page.get_by_label("Date", exact=True)).to_be_focused()
    expect(page.get_by_label("Date", exact=True)).to_be_in_viewport()
    expect(page.get_by_label("Date", exact=True)).to_have_value("2099-01-01")


def test_a_typical_encounter_saves_within_one_and_a_half_screens(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    choice(page, "Where", "Inpatient").tap()
    page.get_by_label("Colleague's profession").select_option("physician")
    choice(page, "How long", "15–30").tap()
    choice(page, "What it was about", "Adverse event").tap()
    expect(page.locator("details.more")).not_to_have_attribute("open", "")
    save_bottom = page.evaluate(SAVE_BOTTOM)
    assert save_bottom <= MOST_SCREENS_TO_SAVE * PHONE["height"], f"Save ends at {save_bottom}px"
    # The picture shows what the test measured: the form down to Save, 1.5 screens.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first = SCREENSHOTS / "log-form.png"
    height = MOST_SCREENS_TO_SAVE * PHONE["height"]
    page.screenshot(
        path=str(first),
        full_page=True,
        clip={"x": 0, "y": 0, "width": PHONE["width"], "height": height},
    )
    written = [first]
    page.locator("details.more summary").tap()
    written.append(screenshot(page, "log-form-more-details.png"))
    for path in written:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"


def test_the_more_details_line_follows_the_answers_inside(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    line = page.locator("details.more summary .more-line")
    expect(line).to_have_text(
        "Today · In person · You approached · Workplace unknown · No referral · No follow-up"
    )
    page.locator("details.more summary").tap()
    choice(page, "How", "Phone").tap()
    choice(page, "Who started it", "They asked").tap()
    choice(page, "Guide steps you used", "Listen actively").tap()
    choice(page, "Follow-up", "Follow-up planned").tap()
    page.get_by_text("I would like a debrief").tap()
    expect(line).to_have_text(
        "Today · Phone · They asked · Workplace unknown · 1 guide step · No referral"
        " · Follow-up planned · Debrief wanted"
    )
    page.get_by_label("Date", exact=True).fill("2026-01-15")
    expect(line).to_contain_text("Jan 15 · Phone · They asked")


def test_the_resource_finder_says_when_nothing_is_found(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    page.locator("details.more summary").tap()
    finder = page.get_by_label("Find a resource")
    finder.fill("zebra")
    expect(page.locator("#shareable-status")).to_have_text("Nothing found for “zebra”.")
    expect(page.locator("#shareable label.choice").filter(visible=True)).to_have_count(0)
    finder.fill("988")
    expect(page.locator("#shareable-status")).to_have_text("")
    expect(page.locator("#shareable label.choice").filter(visible=True)).to_have_count(1)
