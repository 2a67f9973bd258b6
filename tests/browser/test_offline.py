"""Offline logging on a phone (390x844 and 360x740): a log saved without a connection waits on
the phone, visible on the log page and on Home, and is sent exactly once when the connection
returns, also when the connection drops during the upload; a refused log stays with its reason
and a way to fix it; signing out warns and deletes what waits; the phone keeps nothing else.

The fixture's console watch lets through only the failures these tests cause on purpose (a
request that cannot reach the server, htmx reporting it); anything else, a CSP refusal above
all, fails the test."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlmodel import Session, col, delete, func, select

from domain.encounters.models import Encounter
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.web_sessions.models import WebSession
from tests.browser.conftest import (
    PHONE,
    ConsoleWatch,
    LiveServer,
    Login,
    phone_context,
    screenshot,
    sign_in,
)
from tests.browser.test_accessibility import violations_report

pytestmark = pytest.mark.browser

# What Chromium and htmx log when a request cannot reach the server, which these tests cause.
CAUSED_ON_PURPOSE = re.compile(
    r"^(Failed to load resource: (net::ERR_(FAILED|INTERNET_DISCONNECTED)"
    r"|the server responded with a status of (400|401|403|422|503) )"
    r"|htmx:(afterRequest|sendError), )"
)
OUTBOX_STORAGE_KEY = "peer-support-outbox"
WAITING = "1 encounter waiting to send."


@pytest.fixture
def offline_page(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int]
) -> Iterator[Page]:
    """A phone page at each size whose console may show only the failures caused on purpose."""
    context = phone_context(browser, live_server, viewport)
    opened = context.new_page()
    watch = ConsoleWatch(opened)
    yield opened
    context.close()
    unexpected = [error for error in watch.errors if not CAUSED_ON_PURPOSE.match(error)]
    assert unexpected == [], "the browser console reported errors"


def encounters_of(server: LiveServer, login: Login) -> int:
    with Session(server.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Encounter)
            .join(Supporter, col(Supporter.id) == col(Encounter.supporter_id))
            .join(User, col(User.id) == col(Supporter.user_id))
            .where(col(User.email) == login.email)
        ).one()


def wait_for(condition: Callable[[], Any], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.1)


def answer(page: Page, name: str, value: str) -> None:
    """Choose `value` for the field `name` as a thumb would (the form's own names, which the
    server reads, rather than its wording)."""
    field = page.locator(f'form[data-outbox] [name="{name}"][value="{value}"]')
    if field.count():
        page.locator(f'form[data-outbox] label:has(input[name="{name}"][value="{value}"])').tap()
        expect(field).to_be_checked()
    else:
        page.locator(f'form[data-outbox] select[name="{name}"]').select_option(value)


def fill_in_a_typical_encounter(page: Page) -> None:
    answer(page, "setting", "icu")
    answer(page, "peer_profession", "physician")
    answer(page, "duration_band", "15_to_30")
    answer(page, "stressors", "adverse_event")


def save(page: Page) -> None:
    page.locator("form[data-outbox] button[type=submit]").tap()


def outbox_notice(page: Page) -> Any:
    return page.locator("[data-outbox-list] .outbox-status")


def stored_outbox(page: Page) -> str | None:
    found: str | None = page.evaluate(f"window.localStorage.getItem('{OUTBOX_STORAGE_KEY}')")
    return found


def saved_offline(page: Page, live_server: LiveServer) -> Login:
    """A new supporter signed in on /log who saved a typical encounter without a connection."""
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    fill_in_a_typical_encounter(page)
    page.context.set_offline(True)
    save(page)
    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    return login


def test_a_log_saved_offline_waits_on_the_phone_and_is_sent_once_back_online(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    home = page.context.new_page()  # Home stays open in a second tab
    home_console = ConsoleWatch(home)
    home.goto("/")
    page.goto("/log")
    page.evaluate("navigator.serviceWorker.ready")
    fill_in_a_typical_encounter(page)

    page.context.set_offline(True)
    save(page)

    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    expect(page.locator(".outbox-item")).to_contain_text("Waiting for a connection.")
    expect(page.locator(".outbox-item")).to_contain_text(" · Today")  # the day as the form says it
    # The form is ready for the next encounter: the answers are gone, the usual ones are back.
    expect(page.locator('input[name="setting"][value="icu"]')).not_to_be_checked()
    expect(page.locator('select[name="peer_profession"]')).to_have_value("")
    expect(outbox_notice(home)).to_have_text(WAITING)
    screenshot(page, f"offline-log-{page.viewport_size['width']}.png", full_page=False)  # type: ignore[index]
    screenshot(home, f"offline-home-{page.viewport_size['width']}.png", full_page=False)  # type: ignore[index]
    assert encounters_of(live_server, login) == 0
    stored = stored_outbox(page)
    assert stored is not None
    assert login.display_name not in stored
    assert "csrf_token" not in stored

    page.context.set_offline(False)  # both tabs hear `online` and send: one encounter

    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")
    expect(page.locator("#month-count")).to_have_text("1")
    expect(home.locator("[data-outbox-list]")).not_to_contain_text("waiting to send")
    wait_for(lambda: encounters_of(live_server, login) == 1)
    home.reload()
    expect(home.locator("#month-count")).to_have_text("1")
    expect(home.locator("[data-outbox-list]")).not_to_contain_text("waiting")
    assert encounters_of(live_server, login) == 1
    # Nothing stays on the phone but the static files.
    assert page.evaluate("window.localStorage.length") == 0
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const kept of await cache.keys()) {
                    const url = new URL(kept.url);
                    urls.push(url.pathname + url.search);
                }
            }
            return urls;
        }"""
    )
    assert cached, "the service worker kept the static files"
    assert all(re.fullmatch(r"/static/[^?]+\?v=[0-9a-f]{12}", url) for url in cached), cached
    assert any(url.startswith("/static/peer-support-outbox-0.1.0.js?v=") for url in cached)
    assert home_console.errors == []


def test_a_connection_dropped_during_the_upload_is_retried_without_a_second_encounter(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    fill_in_a_typical_encounter(page)
    keys: list[str | None] = []

    def reaches_the_server_but_the_answer_is_lost(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # the server saves it
        route.abort()  # the phone never hears back

    page.route(re.compile(r"/log$"), reaches_the_server_but_the_answer_is_lost, times=1)
    save(page)

    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    assert encounters_of(live_server, login) == 1
    assert len(keys) == 1
    assert keys[0]

    sent_keys: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            sent_keys.append(request.headers.get("idempotency-key"))
            if request.method == "POST" and request.url.endswith("/log")
            else None
        ),
    )
    page.reload()  # every page load sends what waits

    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")
    assert sent_keys == keys, "the retry carries the key of the first try"
    assert stored_outbox(page) is None
    expect(page.locator("#month-count")).to_have_text("1")
    assert encounters_of(live_server, login) == 1


def test_a_log_refused_as_signed_out_waits_for_sign_in_then_is_sent(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = saved_offline(page, live_server)
    with Session(live_server.engine) as session:  # the session ends on the server meanwhile
        user_id = session.exec(select(User.id).where(User.email == login.email)).one()
        session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
        session.commit()

    page.context.set_offline(False)

    item = page.locator(".outbox-item")
    expect(item).to_contain_text("Not sent: you are signed out.")
    expect(outbox_notice(page)).to_contain_text(WAITING)
    sign_in_link = item.get_by_role("link", name="Sign in to send")
    sign_in_link.tap()
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url("**/log")

    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")
    assert encounters_of(live_server, login) == 1
    assert stored_outbox(page) is None


def test_a_refused_log_shows_the_field_at_fault_and_fix_it_sends_it_with_its_key(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    fill_in_a_typical_encounter(page)
    page.context.set_offline(True)
    save(page)
    expect(outbox_notice(page)).to_contain_text(WAITING)
    # What the server will refuse: the profession is lost from what the phone kept (the form
    # itself does not keep an incomplete log, see below).
    page.evaluate(
        "key => { const items = JSON.parse(localStorage.getItem(key));"
        " items[0].fields = items[0].fields.filter(pair => pair[0] !== 'peer_profession');"
        " localStorage.setItem(key, JSON.stringify(items)); }",
        OUTBOX_STORAGE_KEY,
    )

    page.context.set_offline(False)

    item = page.locator(".outbox-item")
    expect(item).to_contain_text("Not sent:")
    expect(item).to_contain_text("Choose the colleague's profession")  # the server's summary
    expect(outbox_notice(page)).to_contain_text(WAITING)  # still there, never dropped
    page.goto("/")
    expect(outbox_notice(page)).to_have_text(WAITING)
    page.locator(".outbox-item").get_by_role("link", name="Fix it").tap()

    page.wait_for_url("**/log")
    profession = page.locator('form[data-outbox] select[name="peer_profession"]')
    expect(profession).to_be_focused()
    expect(page.locator('input[name="setting"][value="icu"]')).to_be_checked()
    expect(page.locator('input[name="stressors"][value="adverse_event"]')).to_be_checked()
    profession.select_option("physician")
    save(page)

    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    expect(page.locator("[data-outbox-list]")).not_to_contain_text("waiting to send")
    assert stored_outbox(page) is None
    assert encounters_of(live_server, login) == 1


def test_signing_out_with_a_log_waiting_warns_then_deletes_it_from_the_phone(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    saved_offline(page, live_server)
    # Back online, but the server cannot be reached for sending: the log keeps waiting.
    page.route("**/session/csrf-token", lambda route: route.fulfill(status=503, body="away"))
    page.context.set_offline(False)
    expect(outbox_notice(page)).to_contain_text(WAITING)

    page.get_by_role("button", name="Sign out").tap()

    warning = page.get_by_role("alert").filter(has_text="has not been sent")
    expect(warning).to_have_text(
        "1 encounter has not been sent and will be deleted from this phone."
    )
    assert "/log" in page.url, "still signed in until confirmed"
    width = page.viewport_size["width"]  # type: ignore[index]
    screenshot(page, f"offline-sign-out-warning-{width}.png", full_page=False)
    assert stored_outbox(page) is not None
    page.get_by_role("button", name="Keep signed in").tap()
    expect(warning).to_have_count(0)
    page.get_by_role("button", name="Sign out").tap()
    page.get_by_role("button", name="Sign out and delete").tap()

    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert stored_outbox(page) is None


def test_signing_out_with_nothing_waiting_signs_out_at_once(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    sign_in(page, live_server.new_supporter())
    page.get_by_role("button", name="Sign out").tap()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert stored_outbox(page) is None


def test_a_log_of_another_person_on_this_phone_is_not_sent_under_this_session(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    item = (
        '[{"key": "someone-elses", "owner": "999999", "saved_at": "2026-01-01T10:00:00Z",'
        ' "fields": [["setting", "icu"]], "state": "waiting", "reason": "", "fault": []}]'
    )
    page.evaluate(f"window.localStorage.setItem('{OUTBOX_STORAGE_KEY}', {item!r})")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    page.reload()
    expect(outbox_notice(page)).to_have_text(
        "1 encounter saved by someone else on this phone, sent when they sign in."
    )
    page.wait_for_timeout(300)
    assert posted == []
    assert encounters_of(live_server, login) == 0
    assert stored_outbox(page) is not None


def test_every_save_carries_a_key_and_a_server_that_cannot_save_yet_keeps_it_waiting(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    keys: list[str] = []

    def answered_busy(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        route.fulfill(status=503, headers={"Retry-After": "2"}, body="<p>Busy</p>")

    page.route(re.compile(r"/log$"), answered_busy, times=1)
    fill_in_a_typical_encounter(page)
    save(page)

    # Kept on the phone, not an error page in place of the form.
    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    expect(page.get_by_role("heading", name="Log an encounter")).to_be_visible()
    assert re.fullmatch(r"[0-9a-f-]{32,36}", keys[0]), keys
    assert encounters_of(live_server, login) == 0

    sent: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.headers.get("idempotency-key"))
            if request.method == "POST" and request.url.endswith("/log")
            else None
        ),
    )
    page.reload()
    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")
    assert sent == keys
    assert encounters_of(live_server, login) == 1

    # The next Save, online, gets a key of its own and logs at once.
    fill_in_a_typical_encounter(page)
    save(page)
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    assert len(sent) == 2
    assert sent[1] not in (None, keys[0])
    assert encounters_of(live_server, login) == 2


def test_what_waits_is_sent_again_every_30_seconds(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    page.clock.install()
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    page.route(re.compile(r"/log$"), lambda route: route.abort(), times=1)
    fill_in_a_typical_encounter(page)
    save(page)
    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")

    page.clock.run_for(29_000)
    page.wait_for_timeout(300)
    expect(outbox_notice(page)).to_contain_text(WAITING)
    assert encounters_of(live_server, login) == 0
    page.clock.run_for(1_000)  # 30 s after it was kept

    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")
    assert encounters_of(live_server, login) == 1


def test_a_new_service_worker_deletes_the_old_static_cache(
    browser: Browser, live_server: LiveServer
) -> None:
    context = phone_context(browser, live_server, PHONE)
    # An older worker's cache, and one that is not ours, are there before this worker installs.
    context.add_init_script(
        "if (!sessionStorage.getItem('seeded')) {"
        " sessionStorage.setItem('seeded', '1');"
        " caches.open('peer-support-static-0000000000000000');"
        " caches.open('someone-elses-cache'); }"
    )
    page = context.new_page()
    watch = ConsoleWatch(page)
    page.goto("/sign-in")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # the worker now controls the page
    names = page.evaluate("caches.keys()")
    context.close()
    assert watch.errors == []
    ours = [name for name in names if name.startswith("peer-support-static-")]
    assert len(ours) == 1, names
    assert ours[0] != "peer-support-static-0000000000000000"
    assert "someone-elses-cache" in names


def seed_outbox(page: Page) -> None:
    """One log in each state for the signed-in person, as the outbox would have stored them."""
    owner = page.evaluate("document.body.dataset.userId")
    items = [
        {"key": f"{state}-key", "owner": owner, "saved_at": "2026-01-05T10:00:00Z",
         "fields": [["setting", "icu"]], "state": state, "reason": reason,
         "fault": ["peer_profession"] if state == "refused" else []}
        for state, reason in (
            ("waiting", ""),
            ("signin", ""),
            ("refused", "Colleague's profession: Choose one."),
        )
    ]  # fmt: skip
    page.evaluate(
        "items => window.localStorage.setItem('peer-support-outbox', JSON.stringify(items))", items
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_waiting_logs_and_the_sign_out_warning_pass_axe(
    page: Page, live_server: LiveServer, scheme: Literal["light", "dark"]
) -> None:
    page.emulate_media(color_scheme=scheme)
    sign_in(page, live_server.new_supporter())
    page.context.set_offline(True)  # so the seeded logs stay as they are
    seed_outbox(page)
    page.evaluate("window.dispatchEvent(new StorageEvent('storage', {key: 'peer-support-outbox'}))")
    expect(outbox_notice(page)).to_have_text("3 encounters waiting to send.")
    items = page.locator(".outbox-item")
    expect(items).to_have_count(3)
    expect(items.nth(1).get_by_role("link", name="Sign in to send")).to_have_attribute(
        "href", "/sign-in?next=/log"
    )
    expect(items.nth(2).get_by_role("link", name="Fix it")).to_be_visible()
    expect(items.get_by_role("button", name="Delete from this phone")).to_have_count(3)
    for link in page.locator(".outbox-item a, .outbox-item button").all():
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= 44
    screenshot(page, f"offline-waiting-logs-{scheme}.png", full_page=False)
    assert violations_report(page) == ""

    page.get_by_role("button", name="Sign out").tap()
    expect(page.get_by_role("alert")).to_have_text(
        "3 encounters have not been sent and will be deleted from this phone."
    )
    assert violations_report(page) == ""


def test_a_phone_that_cannot_keep_the_log_says_so_and_keeps_the_answers_in_the_form(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    page.evaluate(
        "() => { Storage.prototype.setItem = function () {"
        " throw new DOMException('full', 'QuotaExceededError'); }; }"
    )
    fill_in_a_typical_encounter(page)
    page.context.set_offline(True)
    save(page)

    expect(outbox_notice(page)).to_contain_text("Not saved: this phone cannot keep it")
    expect(page.locator('input[name="setting"][value="icu"]')).to_be_checked()
    expect(page.locator('select[name="peer_profession"]')).to_have_value("physician")
    assert stored_outbox(page) is None


# The integration review's findings.


def posted_keys(page: Page) -> list[str | None]:
    """The Idempotency-Key of every POST /log the page makes from now on."""
    keys: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            keys.append(request.headers.get("idempotency-key"))
            if request.method == "POST" and request.url.endswith("/log")
            else None
        ),
    )
    return keys


def test_a_log_sent_after_someone_else_signed_in_on_the_phone_is_kept_for_its_owner(
    offline_page: Page, live_server: LiveServer
) -> None:
    """A shared phone: the page that kept the log still names its owner, the cookie is now
    another person's session (signed in in another tab)."""
    page = offline_page
    owner = saved_offline(page, live_server)
    page.route("**/session/csrf-token", lambda route: route.fulfill(status=503, body="away"))
    page.context.set_offline(False)  # cannot send yet
    expect(outbox_notice(page)).to_contain_text(WAITING)
    other_tab = page.context.new_page()
    page.context.clear_cookies()
    someone_else = live_server.new_supporter()
    sign_in(other_tab, someone_else)
    expect(outbox_notice(other_tab)).to_have_text(
        "1 encounter saved by someone else on this phone, sent when they sign in."
    )

    page.unroute("**/session/csrf-token")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the stale page sends now

    item = page.locator(".outbox-item")
    expect(item).to_contain_text("Not sent: Sign in as the person who saved it to send.")
    assert encounters_of(live_server, someone_else) == 0
    assert encounters_of(live_server, owner) == 0
    assert stored_outbox(page) is not None


def test_after_a_refused_save_an_offline_save_leaves_a_fresh_form(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    fresh_line = page.locator("[data-more-line]").inner_text()
    answer(page, "setting", "icu")
    save(page)  # online: refused, the form comes back with its summary
    expect(page.locator(".error-summary")).to_be_visible()
    answer(page, "peer_profession", "physician")
    answer(page, "duration_band", "15_to_30")
    answer(page, "stressors", "adverse_event")
    page.locator("details.more summary").tap()
    answer(page, "modality", "phone")
    expect(page.locator("[data-more-line]")).not_to_have_text(fresh_line)

    page.context.set_offline(True)
    save(page)

    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    form = page.locator("form[data-outbox]")
    expect(form.locator(".error-summary")).to_have_count(0)
    expect(form.locator(".error")).to_have_count(0)
    expect(form.locator("[aria-invalid]")).to_have_count(0)
    expect(page.locator('input[name="setting"][value="icu"]')).not_to_be_checked()
    expect(page.locator('select[name="peer_profession"]')).to_have_value("")
    expect(page.locator('input[name="modality"][value="in_person"]')).to_be_checked()
    expect(page.locator('input[name="elements"][value="listening"]')).to_be_checked()
    expect(page.locator("[data-more-line]")).to_have_text(fresh_line)  # the line follows
    # A second Save of the fresh form is not a copy of the first: it needs its own answers.
    save(page)
    expect(page.locator(".error-summary")).to_contain_text("Choose where it happened")
    assert len(json.loads(stored_outbox(page) or "[]")) == 1


def test_an_incomplete_log_saved_offline_is_not_kept_and_says_what_is_missing(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    sign_in(page, live_server.new_supporter())
    page.goto("/log")
    answer(page, "setting", "icu")  # no profession
    answer(page, "duration_band", "15_to_30")
    answer(page, "stressors", "adverse_event")
    page.context.set_offline(True)
    save(page)

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Check 1 answer")
    link = summary.get_by_role(
        "link", name="Choose the colleague's profession"
    )  # the server's words
    expect(link).to_have_attribute("href", "#peer_profession")
    expect(page.locator("#peer_profession-error")).to_have_text("Choose the colleague's profession")
    expect(page.locator('input[name="setting"][value="icu"]')).to_be_checked()
    assert stored_outbox(page) is None
    expect(outbox_notice(page)).not_to_contain_text("Saved on this phone")
    width = page.viewport_size["width"]  # type: ignore[index]
    screenshot(page, f"offline-incomplete-{width}.png", full_page=False)

    answer(page, "peer_profession", "physician")
    save(page)
    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    expect(page.locator(".error-summary")).to_have_count(0)


def test_a_save_after_the_session_was_deleted_is_kept_as_sign_in_to_send(
    offline_page: Page, live_server: LiveServer
) -> None:
    """Signed out in another tab (the session row deleted): the server keeps nothing, so the
    phone keeps the answers instead of leaving for the sign-in page without them."""
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    fill_in_a_typical_encounter(page)
    with Session(live_server.engine) as session:
        user_id = session.exec(select(User.id).where(User.email == login.email)).one()
        session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
        session.commit()

    save(page)

    expect(outbox_notice(page)).to_have_text(
        f"Saved on this phone. Your session has ended: sign in to send it. {WAITING}"
    )
    assert page.url.endswith("/log")
    item = page.locator(".outbox-item")
    expect(item).to_contain_text("Not sent: you are signed out.")
    item.get_by_role("link", name="Sign in to send").tap()
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url("**/log")
    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")
    assert encounters_of(live_server, login) == 1


KEY_REFUSED_PAGE = (
    '<div class="error-summary" role="alert"><h2>Not saved</h2><ul>'
    "<li>Not saved: this encounter was sent before with other answers.</li></ul></div>"
)


def test_a_refusal_is_not_retried_and_fix_it_without_a_field_at_fault_gives_a_new_key(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = saved_offline(page, live_server)
    refused: list[str | None] = []

    def refuse(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        refused.append(route.request.headers.get("idempotency-key"))
        route.fulfill(status=400, content_type="text/html", body=KEY_REFUSED_PAGE)

    page.route(re.compile(r"/log$"), refuse)
    page.context.set_offline(False)

    item = page.locator(".outbox-item")
    expect(item).to_contain_text("Not sent: Not saved: this encounter was sent before")
    page.reload()  # a page load sends what waits, not what was refused
    expect(page.locator(".outbox-item")).to_contain_text("Not sent:")
    page.wait_for_timeout(300)
    assert len(refused) == 1
    page.unroute(re.compile(r"/log$"))

    keys = posted_keys(page)
    page.locator(".outbox-item").get_by_role("link", name="Fix it").tap()
    expect(page.locator('input[name="setting"][value="icu"]')).to_be_checked()
    save(page)

    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    assert keys
    assert keys[0] not in (None, refused[0])
    assert stored_outbox(page) is None
    assert encounters_of(live_server, login) == 1


def test_a_log_kept_more_than_23_hours_is_held_and_can_be_deleted_from_the_phone(
    offline_page: Page, live_server: LiveServer
) -> None:
    """Keys are kept on the server 24 hours: 23 h 01 min is held, 22 h 59 min is sent."""
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    owner = page.evaluate("document.body.dataset.userId")
    fields = [
        ["setting", "icu"], ["peer_profession", "physician"], ["duration_band", "15_to_30"],
        ["stressors", "adverse_event"], ["elements", "listening"],
        ["support_types", "emotional"], ["occurred_on", date.today().isoformat()],
    ]  # fmt: skip
    # The held log was for the day before yesterday: the list says its day as "Dec 5" does.
    day = date.today() - timedelta(days=2)
    held_fields = [*fields[:-1], ["occurred_on", day.isoformat()]]
    now = datetime.now(UTC)
    items = [
        {"key": key, "owner": owner, "saved_at": (now - age).isoformat(), "fields": answers,
         "summary": "ICU · Physician", "state": "waiting", "reason": "", "fault": []}
        for key, age, answers in (
            ("3b0f6a52-0000-4000-8000-000000002301", timedelta(hours=23, minutes=1), held_fields),
            ("3b0f6a52-0000-4000-8000-000000002259", timedelta(hours=22, minutes=59), fields),
        )
    ]  # fmt: skip
    page.evaluate(
        "items => localStorage.setItem('peer-support-outbox', JSON.stringify(items))", items
    )
    keys = posted_keys(page)
    page.reload()

    expect(outbox_notice(page)).to_contain_text("Sent: 1 encounter.")
    held = page.locator(".outbox-item")
    expect(held).to_have_count(1)
    expect(held).to_contain_text(
        "Not sent: Saved on this phone more than a day ago. Check My encounters: if it is not "
        "there, Fix it and save."
    )
    expect(held).to_contain_text(f"ICU · Physician · {day:%b} {day.day}")
    assert keys == ["3b0f6a52-0000-4000-8000-000000002259"]
    assert encounters_of(live_server, login) == 1

    held.get_by_role("button", name="Delete from this phone").tap()
    expect(outbox_notice(page)).to_have_text(
        f"Deleted from this phone: ICU · Physician · {day:%b} {day.day}."
    )
    expect(page.locator(".outbox-item")).to_have_count(0)
    assert stored_outbox(page) is None


def test_a_held_log_fixed_is_saved_with_a_new_key(
    offline_page: Page, live_server: LiveServer
) -> None:
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    owner = page.evaluate("document.body.dataset.userId")
    old_key = "3b0f6a52-0000-4000-8000-000000002400"
    item = {
        "key": old_key, "owner": owner,
        "saved_at": (datetime.now(UTC) - timedelta(hours=30)).isoformat(),
        "fields": [["setting", "icu"], ["peer_profession", "physician"],
                   ["duration_band", "15_to_30"], ["stressors", "adverse_event"],
                   ["elements", "listening"], ["support_types", "emotional"]],
        "state": "waiting", "reason": "", "fault": [],
    }  # fmt: skip
    page.evaluate(
        "item => localStorage.setItem('peer-support-outbox', JSON.stringify([item]))", item
    )
    page.reload()
    keys = posted_keys(page)
    page.locator(".outbox-item").get_by_role("link", name="Fix it").tap()
    expect(page.locator('select[name="peer_profession"]')).to_have_value("physician")
    save(page)
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    assert keys
    assert keys[0] not in (None, old_key)
    assert encounters_of(live_server, login) == 1
    assert stored_outbox(page) is None


def test_a_restored_form_is_saved_and_kept_with_its_own_key(
    offline_page: Page, live_server: LiveServer
) -> None:
    """A kept form carries the key of its first Save (a hidden `idempotency_key`): the outbox
    and the htmx Save use it; the fresh form after an offline Save has none."""
    page = offline_page
    login = live_server.new_supporter()
    sign_in(page, login)
    page.goto("/log")
    restore = (
        "key => document.querySelector('form[data-outbox]').insertAdjacentHTML('afterbegin',"
        ' \'<input type="hidden" name="idempotency_key" value="\' + key + \'">\')'
    )
    first_key = "9c1d2e3f-0000-4000-8000-000000000001"
    page.evaluate(restore, first_key)
    fill_in_a_typical_encounter(page)
    page.context.set_offline(True)
    save(page)

    expect(outbox_notice(page)).to_have_text(f"Saved on this phone. {WAITING}")
    assert [item["key"] for item in json.loads(stored_outbox(page) or "[]")] == [first_key]
    expect(page.locator('input[name="idempotency_key"]')).to_have_count(0)
    page.context.set_offline(False)
    expect(outbox_notice(page)).to_have_text("Sent: 1 encounter.")

    second_key = "9c1d2e3f-0000-4000-8000-000000000002"
    page.evaluate(restore, second_key)
    fill_in_a_typical_encounter(page)
    keys = posted_keys(page)
    save(page)
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    assert keys == [second_key]
    assert encounters_of(live_server, login) == 2
