"""The log page is light on a phone's data plan and a slow hospital network: a first visit
with an empty cache stays under 80 KB on the wire, and nothing comes from another host (hospital
networks block CDNs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, ConsoleWatch, LiveServer, phone_context, sign_in

pytestmark = pytest.mark.browser

BUDGET_BYTES = 80 * 1024


@dataclass
class Transfer:
    url: str
    kind: str
    bytes_on_the_wire: int = 0
    content_encoding: str = ""


@dataclass
class Visit:
    page: Page
    transfers: list[Transfer]
    requested: list[str]
    console: ConsoleWatch


def first_visit_to_the_log_page(browser: Browser, live_server: LiveServer) -> Visit:
    """What Chromium fetches for /log with an empty cache, signed in; and every address asked
    for. Sizes are what the network carried (compressed bodies and headers), as Chromium's
    DevTools report them."""
    signing_in = phone_context(browser, live_server, PHONE)
    sign_in(signing_in.new_page(), live_server.new_supporter(encounters=3))
    state = signing_in.storage_state()
    signing_in.close()

    context = phone_context(browser, live_server, PHONE, storage_state=state)
    page = context.new_page()
    console = ConsoleWatch(page)
    devtools = context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transfers: dict[str, Transfer] = {}
    requested: list[str] = []

    def received(event: dict[str, Any]) -> None:
        response = event["response"]
        if response["url"].startswith("data:"):
            return  # drawn by Chromium itself (the date picker's icon), not fetched
        headers = {name.lower(): value for name, value in response["headers"].items()}
        transfers[event["requestId"]] = Transfer(
            response["url"], event["type"], content_encoding=headers.get("content-encoding", "")
        )

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in transfers:
            transfers[event["requestId"]].bytes_on_the_wire = int(event["encodedDataLength"])

    devtools.on("Network.responseReceived", received)
    devtools.on("Network.loadingFinished", finished)
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/log", wait_until="networkidle")
    expect(page.get_by_role("heading", name="Log an encounter")).to_be_visible()
    return Visit(page, list(transfers.values()), requested, console)


def breakdown(transfers: list[Transfer]) -> str:
    return "\n".join(
        f"  {t.bytes_on_the_wire:>7} B  {t.kind:<10} {t.content_encoding or 'identity':<8} {t.url}"
        for t in transfers
    )


def test_a_first_visit_to_the_log_page_stays_under_80_kb(
    browser: Browser, live_server: LiveServer
) -> None:
    visit = first_visit_to_the_log_page(browser, live_server)
    transfers = visit.transfers
    kinds = {transfer.kind for transfer in transfers}
    assert {"Document", "Stylesheet", "Script"} <= kinds, breakdown(transfers)
    assert all(t.bytes_on_the_wire > 0 for t in transfers), breakdown(transfers)
    total = sum(transfer.bytes_on_the_wire for transfer in transfers)
    assert total < BUDGET_BYTES, f"{total} bytes:\n{breakdown(transfers)}"
    # The budget holds because text is compressed.
    compressed = [t for t in transfers if t.kind in ("Document", "Stylesheet", "Script")]
    assert all(t.content_encoding == "gzip" for t in compressed), breakdown(transfers)
    visit.page.context.close()
    assert visit.console.errors == []


def test_the_log_page_asks_no_other_host_for_anything(
    browser: Browser, live_server: LiveServer
) -> None:
    visit = first_visit_to_the_log_page(browser, live_server)
    page = visit.page
    # Opening "More details" shows the resource list: still nothing from elsewhere.
    page.locator("summary", has_text="More details").tap()
    expect(page.get_by_label("Find a resource")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.context.close()
    requested = visit.requested
    app = urlsplit(live_server.url).netloc
    elsewhere = [url for url in requested if urlsplit(url).scheme != "data"]
    elsewhere = [url for url in elsewhere if urlsplit(url).netloc != app]
    assert requested
    assert elsewhere == []
    assert visit.console.errors == []
