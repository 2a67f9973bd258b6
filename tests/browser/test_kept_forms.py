"""A half-filled log survives a session that ended in a hallway: Save after the idle limit
leads to sign-in with a notice, and after signing in the form is back as it was, for the
supporter to check and save once. While the supporter types or taps, the session extends.
Runs at 390x844 and 360x740."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlmodel import Session, col, func, select

from domain.columns import utcnow
from domain.db import unit_of_work
from domain.encounters.models import Encounter
from domain.kept_forms.models import KeptForm
from domain.program_settings.service import get_program_settings
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.web_sessions.models import WebSession
from tests.browser.conftest import LiveServer, Login, screenshot, sign_in
from tests.browser.test_accessibility import violations_report

pytestmark = pytest.mark.browser

KEPT_NOTICE = "Your session ended before this was saved. Check the answers and save."


def option(page: Page, name: str, value: str) -> Locator:
    """A chip or segment by its field name and code (the wording may change, the codes not)."""
    return page.locator(f"label.choice:has(input[name='{name}'][value='{value}'])")


def option_input(page: Page, name: str, value: str) -> Locator:
    return page.locator(f"input[name='{name}'][value='{value}']")


def user_id_of(live_server: LiveServer, login: Login) -> int:
    with Session(live_server.engine) as session:
        user = session.exec(select(User).where(User.email == login.email)).one()
        assert user.id is not None
        return user.id


def set_last_seen(live_server: LiveServer, user_id: int, idle_for: timedelta) -> None:
    """Every session of the user last seen `idle_for` ago."""
    with unit_of_work(live_server.engine) as session:
        for row in session.exec(select(WebSession).where(WebSession.user_id == user_id)):
            row.last_seen_at = utcnow() - idle_for
            session.add(row)


def idle_limit(live_server: LiveServer) -> timedelta:
    with Session(live_server.engine) as session:
        return timedelta(minutes=get_program_settings(session).session_idle_minutes)


def encounters_of(live_server: LiveServer, user_id: int) -> int:
    with Session(live_server.engine) as session:
        query = (
            select(func.count())
            .select_from(Encounter)
            .join(Supporter, col(Supporter.id) == col(Encounter.supporter_id))
            .where(col(Supporter.user_id) == user_id)
        )
        return session.exec(query).one()


def kept_forms_of(live_server: LiveServer, user_id: int) -> int:
    with Session(live_server.engine) as session:
        query = select(func.count()).select_from(KeptForm).where(col(KeptForm.user_id) == user_id)
        return session.exec(query).one()


def test_a_log_saved_after_the_session_ended_comes_back_after_signing_in_and_saves_once(
    phone_page: Page, live_server: LiveServer, viewport: dict[str, int]
) -> None:
    page = phone_page
    login = live_server.new_supporter()
    user_id = user_id_of(live_server, login)
    sign_in(page, login)
    page.goto("/log")
    option(page, "setting", "icu").tap()
    page.locator("select[name='peer_profession']").select_option("physician")
    option(page, "duration_band", "15_to_30").tap()
    option(page, "stressors", "adverse_event").tap()

    # The supporter is called away; the session ends while the form waits half-filled.
    set_last_seen(live_server, user_id, idle_limit(live_server) + timedelta(minutes=1))
    page.get_by_role("button", name="Save encounter").tap()

    page.wait_for_url("**/sign-in?next=%2Flog&kept=1")
    expect(page.get_by_role("status").filter(has_text="your answers were kept")).to_be_visible()
    assert encounters_of(live_server, user_id) == 0
    assert kept_forms_of(live_server, user_id) == 1
    assert violations_report(page) == ""
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").tap()

    page.wait_for_url("**/log")
    expect(page.get_by_text(KEPT_NOTICE)).to_be_visible()
    expect(option_input(page, "setting", "icu")).to_be_checked()
    expect(option_input(page, "duration_band", "15_to_30")).to_be_checked()
    expect(option_input(page, "stressors", "adverse_event")).to_be_checked()
    expect(page.locator("select[name='peer_profession']")).to_have_value("physician")
    expect(page.get_by_role("button", name="Discard kept answers")).to_be_visible()
    assert encounters_of(live_server, user_id) == 0  # nothing saved before the person confirms
    assert violations_report(page) == ""
    screenshot(page, f"kept-form-{viewport['width']}x{viewport['height']}.png")

    page.get_by_role("button", name="Save encounter").tap()
    expect(page.locator(".confirmation")).to_contain_text("Encounter logged")
    expect(page.get_by_text(KEPT_NOTICE)).to_have_count(0)
    assert encounters_of(live_server, user_id) == 1
    assert kept_forms_of(live_server, user_id) == 0


def last_seen(live_server: LiveServer, user_id: int) -> datetime:
    with Session(live_server.engine) as session:
        row = session.exec(select(WebSession).where(WebSession.user_id == user_id)).one()
        return row.last_seen_at


def test_typing_and_tapping_extend_the_session_and_an_ended_one_is_said_calmly(
    phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page
    login = live_server.new_supporter()
    user_id = user_id_of(live_server, login)
    page.clock.install()
    sign_in(page, login)
    page.goto("/log")
    status = page.locator("#session-status")
    expect(status).to_have_count(0)

    # Quiet for most of the idle limit (the page's clock and the database's agree), then a tap:
    # the page asks the server, which extends the session.
    limit = idle_limit(live_server)
    set_last_seen(live_server, user_id, limit - timedelta(minutes=1))
    page.clock.fast_forward(int((limit - timedelta(minutes=1)).total_seconds() * 1000))
    with page.expect_response("**/session/alive") as alive:
        option(page, "setting", "icu").tap()
    assert alive.value.status == 204
    alive.value.finished()
    assert utcnow() - last_seen(live_server, user_id) < timedelta(minutes=1)
    expect(status).to_have_count(0)

    # Away too long: the next tap finds the session ended, and the page says so calmly.
    set_last_seen(live_server, user_id, limit + timedelta(minutes=1))
    page.clock.fast_forward(int(limit.total_seconds() * 1000))
    with page.expect_response("**/session/alive") as ended:
        option(page, "duration_band", "15_to_30").tap()
    assert ended.value.status == 401
    expect(status).to_contain_text("Your session has ended. Your answers will be kept")
    expect(status).to_have_attribute("role", "status")
    assert violations_report(page) == ""
    expect(option_input(page, "setting", "icu")).to_be_checked()  # the form is untouched


STALE_NOTICE = "Not saved yet: you signed in again since this page opened."


def test_a_log_saved_in_a_tab_older_than_the_sign_in_comes_back_to_be_confirmed(
    context: BrowserContext, live_server: LiveServer
) -> None:
    """Tab A holds a filled log; the session ends and the person signs in again in tab B. Save
    in tab A carries the old session's token: the form comes back filled in with a notice, and
    the second Save logs it once (htmx still sends tab A's old header; the form has the new
    token)."""
    tab_a = context.new_page()
    login = live_server.new_supporter()
    user_id = user_id_of(live_server, login)
    sign_in(tab_a, login)
    tab_a.goto("/log")
    option(tab_a, "setting", "icu").tap()
    tab_a.locator("select[name='peer_profession']").select_option("physician")
    option(tab_a, "duration_band", "15_to_30").tap()
    option(tab_a, "stressors", "adverse_event").tap()
    set_last_seen(live_server, user_id, idle_limit(live_server) + timedelta(minutes=1))
    tab_b = context.new_page()
    sign_in(tab_b, login)

    tab_a.bring_to_front()
    tab_a.get_by_role("button", name="Save encounter").tap()
    expect(tab_a.get_by_text(STALE_NOTICE)).to_be_visible()
    expect(option_input(tab_a, "setting", "icu")).to_be_checked()
    expect(option_input(tab_a, "stressors", "adverse_event")).to_be_checked()
    assert encounters_of(live_server, user_id) == 0
    assert violations_report(tab_a) == ""

    tab_a.get_by_role("button", name="Save encounter").tap()
    expect(tab_a.locator(".confirmation")).to_contain_text("Encounter logged")
    assert encounters_of(live_server, user_id) == 1
