"""The embeddable directory in Chromium, as a wellness office uses it: a page of another site (a
second localhost port, its origin among the embed origins) pastes the script tag; the iframe
shows the directory, takes the height of its content (and follows it when a filter narrows the
list), and its search and filters work. A site that is not on the list cannot frame it.

axe-core finds nothing wrong on the public directory (a 360x740 phone and a desktop, light and
dark), on the embed (its light and dark theme) and on the snippet page."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Frame, Page, expect

from domain.codes import ResourceCategory, Role
from domain.db import unit_of_work
from domain.program_settings.service import get_program_settings
from tests.browser.conftest import (
    DESKTOP,
    SMALL_PHONE,
    ConsoleWatch,
    LiveServer,
    phone_context,
    screenshot,
    sign_in_to_workspace,
)
from tests.browser.test_accessibility import violations_report
from tests.factories import make_resource

pytestmark = pytest.mark.browser

SCHEMES: list[Literal["light", "dark"]] = ["light", "dark"]
FRAME = 'iframe[title="Resource directory"]'
TOPIC = "Embedtest"  # in the titles of this module's entries, and nowhere else


class HostSite:
    """Another site on a port of its own: it serves one intranet page, whatever is asked."""

    def __init__(self) -> None:
        self.page_html = "<!doctype html><title>Intranet</title>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page_html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def paste(self, script_tag: str) -> None:
        self.page_html = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Wellness office</title></head><body>"
            "<h1>Wellness office</h1><p>Where to turn for support:</p>"
            f"{script_tag}<p id='after'>Call us any time.</p></body></html>"
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def intranet(live_server: LiveServer) -> Iterator[HostSite]:
    """An intranet on the allowlist; entries of this module's own in the directory."""
    site = HostSite()
    with unit_of_work(live_server.engine) as session:
        settings = get_program_settings(session)
        settings.embed_origins = ["https://intranet.example.org", site.origin]
        session.add(settings)
        for name in ("Alpha", "Bravo", "Charlie", "Delta"):
            make_resource(
                session, title=f"{TOPIC} {name} legal clinic", category=ResourceCategory.legal,
                description="Free advice for staff.", url="https://legal.example.org/",
            )  # fmt: skip
    yield site
    site.close()


@pytest.fixture
def stranger() -> Iterator[HostSite]:
    """A site that is not on the allowlist."""
    site = HostSite()
    yield site
    site.close()


@pytest.fixture
def host_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]}, locale="en-US"
    )
    yield context.new_page()
    context.close()


def loader_tag(live_server: LiveServer, **data: str) -> str:
    attributes = "".join(f' data-{name}="{value}"' for name, value in data.items())
    return f'<script src="{live_server.url}/embed/directory.js"{attributes} async></script>'


def frame_height(page: Page) -> float:
    height: float = page.eval_on_selector(FRAME, "frame => frame.getBoundingClientRect().height")
    return height


def content_height(frame: Frame) -> float:
    height: float = frame.evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    return height


def wait_for_fit(page: Page, frame: Frame) -> None:
    """The iframe has taken its content's height (the frame posted it, the loader applied it)."""
    page.wait_for_function(
        "([selector, want]) => Math.abs(document.querySelector(selector)"
        ".getBoundingClientRect().height - want) <= 1",
        arg=[FRAME, content_height(frame)],
    )


def directory_frame(page: Page) -> Frame:
    element = page.wait_for_selector(FRAME)
    assert element is not None
    frame = element.content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    return frame


def test_a_pasted_script_tag_shows_the_directory_sized_to_its_content(
    host_page: Page, live_server: LiveServer, intranet: HostSite
) -> None:
    page = host_page
    watch = ConsoleWatch(page)
    intranet.paste(loader_tag(live_server, category="legal", theme="dark"))
    page.goto(intranet.origin)

    frame_element = page.locator(FRAME)
    expect(frame_element).to_have_attribute(
        "src", f"{live_server.url}/embed/directory?category=legal&theme=dark"
    )
    assert page.evaluate(f"document.querySelector('{FRAME}').nextElementSibling.id") == "after"
    directory = page.frame_locator(FRAME)
    expect(directory.get_by_role("heading", name=f"{TOPIC} Alpha legal clinic")).to_be_visible()
    expect(directory.locator("html.embed-theme-dark")).to_have_count(1)
    frame = directory_frame(page)
    wait_for_fit(page, frame)
    four_entries = frame_height(page)
    assert four_entries != 600  # the loader's first guess was replaced by the real height

    # Search: one entry left, and the iframe shrinks to it.
    directory.get_by_label("Search").fill(f"{TOPIC} Charlie")
    expect(directory.get_by_role("heading", level=2)).to_have_count(1)
    expect(directory.get_by_role("heading", name=f"{TOPIC} Charlie legal clinic")).to_be_visible()
    # The live region says the count (swapped in out of band), never the list.
    expect(directory.get_by_role("status")).to_have_text("1 entry.")
    wait_for_fit(page, frame)
    assert frame_height(page) < four_entries

    # Filters: another category, its entries instead.
    directory.get_by_label("Search").fill("")
    directory.get_by_label("Category").select_option("crisis_line")
    expect(directory.get_by_role("heading", name="988 Suicide & Crisis Lifeline")).to_be_visible()
    expect(directory.get_by_role("heading", name=f"{TOPIC} Alpha legal clinic")).to_have_count(0)
    wait_for_fit(page, frame)

    # Sites open in a new tab, never inside the frame.
    site = directory.get_by_role("link", name="Open site").first
    expect(site).to_have_attribute("target", "_blank")
    screenshot(page, "embed-on-an-intranet.png")
    assert watch.errors == [], "the browser console reported errors"


def test_the_embed_is_not_framed_by_a_site_off_the_allowlist(
    host_page: Page, live_server: LiveServer, intranet: HostSite, stranger: HostSite
) -> None:
    page = host_page
    refusals: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "frame-ancestors" in message.text:
            refusals.append(message.text)

    page.on("console", note)
    stranger.paste(loader_tag(live_server, category="legal"))

    with page.expect_response(lambda answer: "/embed/directory?" in answer.url) as answered:
        page.goto(stranger.origin)
    assert answered.value.status == 200  # the app answered; Chromium refused to show it
    page.wait_for_timeout(500)

    frame = page.query_selector(FRAME)
    assert frame is not None
    content = frame.content_frame()
    shown = content.evaluate("document.documentElement.outerHTML") if content else ""
    assert "resource-list" not in shown
    assert f"{TOPIC} Alpha" not in shown
    assert frame_height(page) == 600  # no height message came from a refused frame
    assert refusals, "Chromium did not report the frame-ancestors refusal"


# axe-core.


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", ["phone 360x740", "desktop"])
def test_the_public_directory_passes_axe(
    browser: Browser, live_server: LiveServer, size: str, scheme: Literal["light", "dark"]
) -> None:
    if size == "desktop":
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]},
            locale="en-US",
        )
    else:
        context = phone_context(browser, live_server, SMALL_PHONE)
    page = context.new_page()
    watch = ConsoleWatch(page)
    page.emulate_media(color_scheme=scheme)
    page.goto("/directory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resource directory")
    assert violations_report(page) == ""
    page.get_by_label("Search").fill("zzzz nothing")
    expect(page.locator(".nothing-found")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/directory\?q=zzzz(\+|%20)nothing"))  # pushed
    assert violations_report(page) == ""
    no_sideways_scroll: bool = page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    )
    assert no_sideways_scroll
    context.close()
    assert watch.errors == [], "the browser console reported errors"


@pytest.mark.parametrize("system_scheme", SCHEMES)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_embed_passes_axe_in_both_themes(
    browser: Browser,
    live_server: LiveServer,
    intranet: HostSite,
    theme: str,
    system_scheme: Literal["light", "dark"],
) -> None:
    """The theme is the embedding page's choice, whatever the visitor's system prefers."""
    context = phone_context(browser, live_server, SMALL_PHONE)
    page = context.new_page()
    watch = ConsoleWatch(page)
    page.emulate_media(color_scheme=system_scheme)
    page.goto(f"/embed/directory?theme={theme}&category=legal")
    expect(page.get_by_role("heading", name=f"{TOPIC} Alpha legal clinic")).to_be_visible()
    assert violations_report(page) == ""
    context.close()
    assert watch.errors == [], "the browser console reported errors"


def test_the_snippet_page_passes_axe_and_copies(
    browser: Browser, live_server: LiveServer, intranet: HostSite
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]},
        locale="en-US",
    )
    page = context.new_page()
    watch = ConsoleWatch(page)
    sign_in_to_workspace(page, live_server.new_member(Role.resource_editor))
    page.goto("/curation/embed")
    page.get_by_label("Category").select_option("legal")
    page.get_by_text("Dark", exact=True).click()
    snippet = page.get_by_label("Paste this where the directory should appear:")
    expect(snippet).to_have_value(
        '<script src="http://127.0.0.1:8000/embed/directory.js" data-category="legal"'
        ' data-theme="dark" async></script>'
    )
    expect(page).to_have_url(
        f"{live_server.url}/curation/embed?q=&category=legal&audience=&theme=dark"
    )
    expect(page.locator(".embed-preview.embed-theme-dark")).to_contain_text(f"{TOPIC} Alpha")
    assert violations_report(page) == ""
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".copy-status")).not_to_be_empty()
    context.close()
    assert watch.errors == [], "the browser console reported errors"
