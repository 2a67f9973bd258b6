"""The browser console stays quiet: no Content-Security-Policy refusals (htmx and our script run
under `script-src 'self'` without inline code or styles), no uncaught errors. Every page fixture
checks this for its own test; these tests walk through the pages on purpose."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import ConsoleWatch, LiveServer, sign_in

pytestmark = pytest.mark.browser

SUPPORTER_PAGES = ["/", "/guide", "/log", "/encounters", "/resources", "/sessions", "/debrief"]


def test_the_console_watch_would_catch_a_csp_refusal(context: BrowserContext) -> None:
    page = context.new_page()  # not the `page` fixture: this page is meant to log an error
    watch = ConsoleWatch(page)
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
    )
    assert page.evaluate("window.inlineRan === undefined")
    for _ in range(40):  # the console event reaches Python a moment later
        if watch.errors:
            break
        page.wait_for_timeout(50)
    assert any("Content Security Policy" in error for error in watch.errors), watch.errors


def test_supporter_pages_and_their_htmx_parts_log_no_console_errors(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server.new_supporter(encounters=1))
    for path in SUPPORTER_PAGES:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()

    # The resource search narrows the list through htmx as the supporter types.
    page.goto("/resources")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Search").fill("988")
    expect(page.locator("#results")).to_contain_text("988 Suicide & Crisis Lifeline")
    expect(page.locator("#results .muted").first).to_have_text("1 found")
    assert page.evaluate("window.stillTheSamePage === true")
    assert "q=988" in page.url

    # The log form's resource filter (our script) hides what does not match.
    page.goto("/log")
    page.locator("summary", has_text="More details").tap()
    page.get_by_label("Find a resource").fill("988")
    shareable = page.locator("#shareable label.choice")
    expect(shareable.filter(has_text="988")).to_be_visible()
    assert shareable.filter(visible=True).count() == 1
