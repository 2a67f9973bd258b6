"""The directory's curation pages in Chromium, at a desktop's 1280x800 and a tablet's 820x1180:
an editor adds an entry, watches the preview follow the typing, publishes it; axe-core finds
nothing wrong on the list and the edit page, in the light and the dark theme."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.codes import Role
from tests.browser.conftest import (
    DESKTOP,
    ConsoleWatch,
    LiveServer,
    screenshot,
    sign_in_to_workspace,
)
from tests.browser.test_accessibility import violations_report

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}
SCREENS = {"desktop": DESKTOP, "tablet": TABLET}


@dataclass(frozen=True)
class Screen:
    page: Page
    name: str


@pytest.fixture(params=list(SCREENS))
def editor_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Screen]:
    """A resource editor signed in, on a desktop (mouse) or a tablet (touch)."""
    size = SCREENS[request.param]
    tablet = request.param == "tablet"
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": size["width"], "height": size["height"]},
        locale="en-US", has_touch=tablet, is_mobile=tablet, device_scale_factor=2 if tablet else 1,
    )  # fmt: skip
    page = context.new_page()
    watch = ConsoleWatch(page)
    sign_in_to_workspace(page, live_server.new_member(Role.resource_editor))
    yield Screen(page, request.param)
    context.close()
    assert watch.errors == [], "the browser console reported errors"


def test_an_editor_adds_an_entry_sees_the_live_preview_and_publishes_it(
    editor_page: Screen,
) -> None:
    page = editor_page.page
    page.goto("/curation")
    page.get_by_role("link", name="Add an entry").click()
    expect(page.get_by_role("heading", name="Add an entry", level=1)).to_be_visible()
    preview = page.locator("#curation-preview")
    title = f"Night-shift sleep clinic {editor_page.name}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Category").select_option("wellness")
    page.get_by_label("Phone").fill("(555) 555-0142")
    page.get_by_label("Keywords and abbreviations").fill("sleep, insomnia")
    page.get_by_label("Open 24/7").check()
    # The preview follows the typing: the directory and both embed themes show the entry.
    expect(preview.get_by_role("heading", name=title)).to_have_count(3)
    expect(preview.get_by_role("link", name="Call (555) 555-0142")).to_have_count(3)
    expect(preview.locator(".embed-theme-dark").get_by_text("Open 24/7")).to_be_visible()
    # A refused address never becomes a link in the preview, and the save says why.
    page.get_by_label("Web address").fill("javascript:alert(1)")
    page.get_by_label("Hours").fill("Nights")
    expect(preview.get_by_text("Nights")).to_have_count(0)  # "Open 24/7" shows instead
    expect(preview.locator('a[href^="javascript:"]')).to_have_count(0)
    page.get_by_role("button", name="Add the entry").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link", name=re.compile("Web address")).click()
    expect(page.get_by_label("Web address")).to_have_value("javascript:alert(1)")
    expect(page.get_by_label("Title")).to_have_value(title)
    page.get_by_label("Web address").fill("https://sleep.example.org")
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_text("The entry is added.")).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The entry is published")).to_be_visible()
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()
    page.goto("/curation?status=published")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    screenshot(page, f"curation-list-{editor_page.name}.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_list_and_the_edit_page_pass_axe(
    editor_page: Screen, scheme: Literal["light", "dark"]
) -> None:
    page = editor_page.page
    page.emulate_media(color_scheme=scheme)
    page.goto("/curation")
    expect(page.get_by_role("heading", name="Resource directory")).to_be_visible()
    assert violations_report(page) == ""
    page.get_by_role("link", name=re.compile("Employee Assistance Program")).click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    assert violations_report(page) == ""
    # With the messages of a refused save on it.
    page.get_by_label("Phone").fill("call me")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert violations_report(page) == ""
    if scheme == "light":
        screenshot(page, f"curation-edit-{editor_page.name}.png")
