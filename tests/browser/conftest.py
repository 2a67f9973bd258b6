"""Browser tests: the real app served by uvicorn on 127.0.0.1, driven by Debian's Chromium
through Playwright, at a phone's size and with touch.

Without /usr/bin/chromium the directory is skipped with a loud notice (under CI=true the run
fails instead). The PostgreSQL pass skips it: the pages do not depend on the database, so the
browser tests run once, in the SQLite pass. Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    sync_playwright,
)
from sqlalchemy import Engine
from sqlmodel import select

from api.app import create_app
from domain.codes import AttendanceStatus, Role, SessionKind
from domain.columns import utcnow
from domain.db import make_engine, unit_of_work
from domain.encounters.service import log_encounter
from domain.kept_forms.service import DEBRIEF_ADDRESS, LOG_ADDRESS, keep_form
from domain.migrations import upgrade_to_head
from domain.program_settings.models import DEFAULT_TIME_ZONE
from domain.sessions.models import Attendance
from domain.settings import Settings
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.users.passwords import hash_password
from tests.databases import RUNNING_IN_CI, is_postgresql
from tests.factories import (
    encounter_data,
    make_program_session,
    make_supporter,
    make_user,
    supporter_actor,
)
from web.saving_once import kept_field_names

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "a-calm-long-passphrase"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
PHONES = {"390x844": PHONE, "360x740": SMALL_PHONE}
DESKTOP = {"width": 1280, "height": 800}
SERVER_START_SECONDS = 15
BROWSER_TESTS = Path(__file__).resolve().parent


def in_the_postgresql_pass() -> bool:
    configured = os.environ.get("TEST_DATABASE_URL", "").strip()
    return bool(configured) and is_postgresql(configured)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass the browser tests step aside with one quiet notice."""
    ours = [item for item in items if BROWSER_TESTS in item.path.parents]
    if not ours or not in_the_postgresql_pass():
        return
    first, *others = ours
    first.add_marker(
        pytest.mark.skip(reason=f"the {len(ours)} browser tests run in the SQLite pass only")
    )
    config.hook.pytest_deselected(items=others)
    leaving = set(others)
    items[:] = [item for item in items if item not in leaving]


@pytest.fixture(scope="session", autouse=True)
def browser_tests_can_run() -> None:
    """Without Chromium: skip every browser test loudly, or under CI=true fail them."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} does not exist: install Debian's chromium package"
        if RUNNING_IN_CI:
            pytest.fail(f"CI=true needs the browser tests, but {message}", pytrace=False)
        pytest.skip(f"!!! BROWSER TESTS SKIPPED: {message} !!!")


# The live server.


@dataclass(frozen=True)
class Login:
    email: str
    password: str
    display_name: str


@dataclass
class LiveServer:
    url: str
    engine: Engine
    password_hash: str
    coordinator: Login
    supporter: Login
    _numbers: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    def new_supporter(self, *, encounters: int = 0) -> Login:
        """A supporter of their own for one test, so counts and lists start known."""
        number = next(self._numbers)
        login = Login(f"supporter{number}@hospital.example.org", PASSWORD, f"Sam Supporter{number}")
        with unit_of_work(self.engine) as session:
            user = make_user(
                session,
                roles=(Role.supporter,),
                email=login.email,
                display_name=login.display_name,
                password_hash=self.password_hash,
            )
            supporter = make_supporter(session, user=user)
            actor = supporter_actor(session, supporter)
            for _ in range(encounters):
                log_encounter(session=session, actor=actor, data=encounter_data())
        return login

    def new_member(self, *roles: Role) -> Login:
        """A person of their own with `roles` (an admin, a report viewer, ...) for one test."""
        number = next(self._numbers)
        names = "-".join(role.value for role in roles)
        login = Login(f"{names}{number}@hospital.example.org", PASSWORD, f"Pat {names}{number}")
        with unit_of_work(self.engine) as session:
            make_user(
                session,
                roles=roles,
                email=login.email,
                display_name=login.display_name,
                password_hash=self.password_hash,
            )
        return login


def seed(engine: Engine, password_hash: str) -> tuple[Login, Login]:
    """A coordinator, a trained active supporter, a past session they attended and an upcoming
    monthly session. The migrations seed the professions and published resources."""
    coordinator = Login("coordinator@hospital.example.org", PASSWORD, "Casey Coordinator")
    supporter = Login("supporter@hospital.example.org", PASSWORD, "Sam Supporter")
    with unit_of_work(engine) as session:
        make_user(
            session,
            roles=(Role.coordinator,),
            email=coordinator.email,
            display_name=coordinator.display_name,
            password_hash=password_hash,
        )
        user = make_user(
            session,
            roles=(Role.supporter,),
            email=supporter.email,
            display_name=supporter.display_name,
            password_hash=password_hash,
        )
        profile = make_supporter(session, user=user)
        held = make_program_session(session, starts_at=utcnow() - timedelta(days=20))
        assert held.id is not None
        assert profile.id is not None
        session.add(
            Attendance(
                session_id=held.id, supporter_id=profile.id, status=AttendanceStatus.attended
            )
        )
        make_program_session(
            session,
            kind=SessionKind.monthly_session,
            starts_at=utcnow() + timedelta(days=9),
            topic="Moral distress and repair",
            location="Library room 2",
        )
    return coordinator, supporter


def free_socket() -> socket.socket:
    """A listening socket on a free port; uvicorn serves on it, so no other process can take
    the port between choosing and binding it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_until_healthy(url: str, server_thread: threading.Thread) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if not server_thread.is_alive():
            raise RuntimeError("the live server stopped while starting")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the live server did not answer {url}/healthz")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("browser")
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=f"sqlite:///{folder / 'browser.db'}",
        var_dir=folder / "var",
        allowed_hosts=["127.0.0.1"],
        log_level="warning",
    )
    engine = make_engine(settings.database_url)
    upgrade_to_head(engine)
    password_hash = hash_password(PASSWORD)
    coordinator, supporter = seed(engine, password_hash)

    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, thread)
        yield LiveServer(url, engine, password_hash, coordinator, supporter)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()


# Chromium, contexts and pages.


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


def phone_context(
    browser: Browser, server: LiveServer, viewport: dict[str, int], **options: Any
) -> BrowserContext:
    """A fresh context (empty cache, no cookies) that looks like a phone: small screen, high
    density, touch, and the clock of the program's zone, as a phone at the hospital has (the
    machine's zone is UTC: between midnight UTC and midnight there its today is not the
    program's)."""
    return browser.new_context(
        base_url=server.url,
        viewport={"width": viewport["width"], "height": viewport["height"]},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        **{"timezone_id": DEFAULT_TIME_ZONE, **options},
    )


# Chromium logs every 4xx as a console error; a 422 is the app's deliberate answer to a form
# with a missing answer, a 401 its answer to htmx (and to the keep-alive ping) once the session
# has ended (the tests check what the person sees instead).
EXPECTED_STATUS_LOG = re.compile(r"^Failed to load resource: .* status of (422|401) ")


class ConsoleWatch:
    """Console errors and uncaught exceptions of a page: CSP violations end up here."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not EXPECTED_STATUS_LOG.match(message.text):
            self.errors.append(f"{message.text} ({message.location.get('url')})")


@pytest.fixture(params=list(PHONES), ids=list(PHONES))
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    """Each test that asks for it runs on both phone sizes."""
    size: dict[str, int] = PHONES[request.param]
    return size


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A 390x844 phone (tests on both sizes use `phone_page` instead)."""
    opened = phone_context(browser, live_server, PHONE)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page whose console must stay free of errors for the whole test."""
    opened = context.new_page()
    watch = ConsoleWatch(opened)
    yield opened
    assert watch.errors == [], "the browser console reported errors"


@pytest.fixture
def phone_page(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int]
) -> Iterator[Page]:
    """Like `page`, at each phone size in turn."""
    opened_context = phone_context(browser, live_server, viewport)
    opened = opened_context.new_page()
    watch = ConsoleWatch(opened)
    yield opened
    opened_context.close()
    assert watch.errors == [], "the browser console reported errors"


@pytest.fixture
def desktop_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """The program workspace at 1280x800, mouse and keyboard; the console must stay clean."""
    opened_context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]},
        locale="en-US",
    )
    opened = opened_context.new_page()
    watch = ConsoleWatch(opened)
    yield opened
    opened_context.close()
    assert watch.errors == [], "the browser console reported errors"


# Helpers the tests share.


class Taps:
    """Counts what a supporter's thumb does: a tap, or a choice from the phone's native picker
    (opening it and choosing: two taps)."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, target: Locator) -> None:
        target.tap()
        self.count += 1

    def pick(self, select: Locator, value: str) -> None:
        select.tap()
        select.select_option(value)
        self.count += 2


def sign_in(page: Page, login: Login) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url("**/")
    page.get_by_role("heading", name=f"Hello, {login.display_name.split()[0]}").wait_for()


def sign_in_to_workspace(page: Page, login: Login) -> None:
    """Sign in with a mouse; the person lands on the home of their role."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A picture for people to look at, in test-artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


# A log and a debrief request kept for a supporter, as if posted after their session ended
# (web/late_forms.py): their pages show the kept form's notice.
KEPT_LOG = (
    ("setting", "emergency_department"), ("peer_profession", "physician"),
    ("duration_band", "30_to_60"), ("stressors", "adverse_event"), ("elements", "listening"),
    ("support_types", "emotional"), ("modality", "in_person"),
    ("initiated_by", "supporter_approach"), ("peer_org_relation", "unknown"),
    ("escalation", "none"), ("follow_up", "none"),
)  # fmt: skip


def keep_forms(live_server: LiveServer, login: Login) -> None:
    with unit_of_work(live_server.engine) as session:
        user = session.exec(select(User).where(User.email == login.email)).one()
        supporter = session.exec(select(Supporter).where(Supporter.user_id == user.id)).one()
        actor = supporter_actor(session, supporter)
        for address, fields in ((LOG_ADDRESS, KEPT_LOG), (DEBRIEF_ADDRESS, [("urgency", "today")])):
            keep_form(
                session=session, actor=actor, address=address, fields=fields,
                field_names=kept_field_names(address),
            )  # fmt: skip
