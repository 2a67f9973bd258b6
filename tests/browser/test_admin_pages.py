"""The admin pages in Chromium at 1280x800: inviting someone (no mail: the link is shown),
deactivating them, creating an API client (the secret shown once) and revoking it, searching
the audit log; axe-core finds nothing wrong on any of them, in the light and the dark theme."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, StorageState, ViewportSize, expect

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

SCHEMES: list[Literal["light", "dark"]] = ["light", "dark"]
SCREEN = ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"])


@pytest.fixture(scope="module")
def admin_state(browser: Browser, live_server: LiveServer) -> StorageState:
    context = browser.new_context(base_url=live_server.url, viewport=SCREEN)
    page = context.new_page()
    sign_in_to_workspace(page, live_server.new_member(Role.admin))
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def admin_page(
    browser: Browser, live_server: LiveServer, admin_state: StorageState
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport=SCREEN, locale="en-US", storage_state=admin_state
    )
    page = context.new_page()
    watch = ConsoleWatch(page)
    yield page
    context.close()
    assert watch.errors == [], "the browser console reported errors"


def invite(page: Page, email: str, name: str) -> None:
    page.goto("/admin/users")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Report viewer").check()
    page.get_by_role("button", name="Send the invitation").click()


def test_an_admin_invites_someone_then_deactivates_them(admin_page: Page) -> None:
    page = admin_page
    invite(page, "robin.invitee@hospital.example.org", "Robin Invitee")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invited: Robin Invitee")
    expect(page.get_by_label("Set-password link")).to_be_visible()
    assert "/set-password/" in page.get_by_label("Set-password link").input_value()

    page.get_by_role("link", name="Go to Robin Invitee").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("Deactivated: signed out everywhere")
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()

    page.goto("/admin/users?q=robin")
    expect(page.get_by_role("cell", name="Deactivated")).to_be_visible()
    page.goto("/admin/users")
    screenshot(page, "admin-users.png")


def test_a_new_api_clients_secret_is_shown_once_then_the_client_is_revoked(
    admin_page: Page,
) -> None:
    page = admin_page
    page.goto("/admin/api-clients")
    page.get_by_role("link", name="Create an API client").click()
    page.get_by_label("Name (the system that will use it)").fill("Browser bridge")
    page.get_by_label("reports:read").check()
    page.get_by_role("button", name="Create").click()
    secret = page.get_by_label("Client secret").input_value()
    assert len(secret) > 30

    page.get_by_role("link", name="All API clients").click()
    row = page.get_by_role("row", name="Browser bridge")
    expect(row).to_be_visible()
    assert secret not in page.content()
    row.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke Browser bridge").click()
    expect(page.get_by_role("status")).to_contain_text("API client revoked")


def test_the_audit_log_finds_what_an_admin_did(admin_page: Page) -> None:
    page = admin_page
    invite(page, "audit.trail@hospital.example.org", "Audit Trail")
    page.goto("/admin/audit")
    page.get_by_label("Action starts with").fill("user.")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="user.invite").first).to_be_visible()
    screenshot(page, "admin-audit.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "audit-events.csv"


def fill_bad_invitation(page: Page) -> None:
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#email-error")).to_be_visible()


def fill_bad_dates(page: Page) -> None:
    page.get_by_label("From (first day)").fill("2026-03-02")
    page.get_by_label("To (last day)").fill("2026-03-01")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#to-error")).to_be_visible()


def open_the_first(link: str) -> Callable[[Page], None]:
    def follow(page: Page) -> None:
        page.get_by_role("link", name=link).first.click()
        page.wait_for_load_state()

    return follow


def nothing(page: Page) -> None:
    return None


PAGES: dict[str, tuple[str, Callable[[Page], None]]] = {
    "users": ("/admin/users", nothing),
    "a user": ("/admin/users", open_the_first("Manage")),
    "invite": ("/admin/users/invite", nothing),
    "invite with an error": ("/admin/users/invite", fill_bad_invitation),
    "api clients": ("/admin/api-clients", nothing),
    "new api client": ("/admin/api-clients/new", nothing),
    "audit log": ("/admin/audit", nothing),
    "audit log with an error": ("/admin/audit", fill_bad_dates),
}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(PAGES))
def test_admin_pages_pass_axe(
    admin_page: Page, name: str, scheme: Literal["light", "dark"]
) -> None:
    page = admin_page
    path, prepare = PAGES[name]
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    prepare(page)
    assert violations_report(page) == ""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_pages_that_show_a_secret_pass_axe(
    admin_page: Page, scheme: Literal["light", "dark"]
) -> None:
    page = admin_page
    page.emulate_media(color_scheme=scheme)
    invite(page, f"axe.{scheme}@hospital.example.org", f"Axe {scheme}")
    expect(page.get_by_label("Set-password link")).to_be_visible()
    assert violations_report(page) == ""
    page.goto("/admin/api-clients/new")
    page.get_by_label("Name (the system that will use it)").fill(f"Axe client {scheme}")
    page.get_by_label("audit:read").check()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_label("Client secret")).to_be_visible()
    assert violations_report(page) == ""
    page.goto("/admin/api-clients")
    page.get_by_role("row", name=f"Axe client {scheme}").get_by_role("link", name="Revoke").click()
    expect(page.get_by_role("button", name=f"Revoke Axe client {scheme}")).to_be_visible()
    assert violations_report(page) == ""
