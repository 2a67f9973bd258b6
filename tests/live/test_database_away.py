"""The database goes away and comes back while a real server runs.

While it is away: the API answers 503 problem details with Retry-After, pages a calm 503 page
that still lists the crisis contacts this process read last, and /readyz says not ready. Once it
is back the server answers again within 10 seconds, without a restart. Each test runs a server of
its own on a database of its own, since it breaks that database."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

from domain.codes import ResourceCategory
from domain.encounters.models import Encounter
from tests.databases import is_postgresql, sibling_database_url
from tests.factories import ENCOUNTER_BODY, make_resource, make_supporter
from tests.live.server import LiveServer, running_server

PROBLEM = "application/problem+json"
BACK_WITHIN_SECONDS = 10
HTML = {"Accept": "text/html"}
HOSPITAL_LINE = "Hospital crisis team"


@pytest.fixture
def own_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = sibling_database_url(database_url, "away")
    with running_server(url, tmp_path_factory.mktemp("away")) as server:
        yield server


def seed_supporter_and_crisis_line(server: LiveServer) -> dict[str, str]:
    def rows(session: Session) -> int:
        make_resource(
            session, title=HOSPITAL_LINE, category=ResourceCategory.crisis_line, phone="555-0100"
        )
        user_id = make_supporter(session).user_id
        assert user_id is not None
        return user_id

    return server.bearer(f"user:{server.seed(rows)}")


def assert_unavailable_problem(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "2"
    assert response.json()["status"] == 503


def assert_everything_answers_503(http: httpx.Client, signed_in: dict[str, str]) -> None:
    grant = {"grant_type": "password", "username": "a@hospital.example.org", "password": "x" * 12}
    assert_unavailable_problem(http.get("/api/v1/me", headers=signed_in))
    assert_unavailable_problem(
        http.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=signed_in)
    )
    assert_unavailable_problem(http.post("/api/v1/auth/token", data=grant))
    assert_unavailable_problem(http.get("/api/v1/directory"))
    ready = http.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")
    for cookies in ({}, {"peer_session": "someone-signed-in"}):
        http.cookies.clear()
        http.cookies.update(cookies)
        page = http.get("/encounters" if cookies else "/", headers=HTML)
        assert page.status_code == 503, page.text
        assert page.headers["retry-after"] == "2"
        # The list this process read last: the hospital's own line and the seeded national ones.
        for shown in (HOSPITAL_LINE, 'href="tel:5550100"', 'href="tel:988"', 'href="sms:741741'):
            assert shown in page.text
    http.cookies.clear()


def wait_until_answering(http: httpx.Client, signed_in: dict[str, str]) -> float:
    """Seconds until /me and /readyz answer 200 again (fails after BACK_WITHIN_SECONDS)."""
    started = time.monotonic()
    while time.monotonic() - started < BACK_WITHIN_SECONDS:
        me = http.get("/api/v1/me", headers=signed_in)
        if me.status_code == 200 and http.get("/readyz").status_code == 200:
            return time.monotonic() - started
        assert me.status_code == 503, me.text
        time.sleep(0.2)
    pytest.fail(
        f"the server did not answer within {BACK_WITHIN_SECONDS} s of the database's return"
    )


class Load:
    """Threads sending reads and writes until stopped, keeping every answer's status."""

    def __init__(self, server: LiveServer, signed_in: dict[str, str], threads: int = 4):
        self.server = server
        self.signed_in = signed_in
        self.stopping = threading.Event()
        self.answers: list[tuple[float, int, str]] = []
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(threads)]

    def run(self, n: int) -> None:
        with self.server.client() as http:
            while not self.stopping.is_set():
                if n % 2:
                    answer = http.post(
                        "/api/v1/encounters", json=ENCOUNTER_BODY, headers=self.signed_in
                    )
                else:
                    answer = http.get("/api/v1/me", headers=self.signed_in)
                kind = answer.headers.get("content-type", "")
                self.answers.append((time.monotonic(), answer.status_code, kind))
                time.sleep(0.05)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()


# PostgreSQL: the database refuses connections, and every open one is ended.


def refuse_connections(database_url: str, refused: bool) -> None:
    url = make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    try:
        with admin.connect() as connection:
            allow = "false" if refused else "true"
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {allow}')
            if refused:
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
    finally:
        admin.dispose()


@pytest.fixture
def postgresql_server(own_server: LiveServer) -> Iterator[LiveServer]:
    if not is_postgresql(own_server.database_url):
        pytest.skip("PostgreSQL only: SQLite has no server to refuse connections")
    try:
        yield own_server
    finally:
        refuse_connections(own_server.database_url, refused=False)


def test_postgresql_refusing_connections_under_load_then_back_within_10_seconds(
    postgresql_server: LiveServer,
) -> None:
    server = postgresql_server
    signed_in = seed_supporter_and_crisis_line(server)
    with server.client() as http, Load(server, signed_in) as load:
        assert http.get("/crisis", headers=HTML).status_code == 200  # reads the crisis list
        time.sleep(0.5)
        refuse_connections(server.database_url, refused=True)
        server.engine.dispose()
        assert_everything_answers_503(http, signed_in)
        time.sleep(1)
        refuse_connections(server.database_url, refused=False)
        back = time.monotonic()
        took = wait_until_answering(http, signed_in)
        time.sleep(1)

    assert took < BACK_WITHIN_SECONDS
    statuses = {status for _, status, _ in load.answers}
    assert statuses <= {200, 201, 503}, sorted(statuses)
    assert all(kind == PROBLEM for _, status, kind in load.answers if status == 503)
    assert {200, 201, 503} <= statuses  # the load saw the outage and both sides of it
    # Once the server answered again, so did every later request of the load.
    settled = [status for at, status, _ in load.answers if at > back + took + 0.5]
    assert settled
    assert set(settled) <= {200, 201}


# SQLite: the database file is moved away (and perhaps replaced by a directory), then back.


@pytest.fixture
def sqlite_server(own_server: LiveServer) -> LiveServer:
    if is_postgresql(own_server.database_url):
        pytest.skip("SQLite only: PostgreSQL has no database file to move away")
    return own_server


def nothing(_path: Path) -> None:
    pass


def a_directory(path: Path) -> None:
    path.mkdir()  # tests run as root: file modes would not keep the server out, this does


@pytest.mark.parametrize("put_in_its_place", [nothing, a_directory], ids=lambda f: f.__name__)
def test_sqlite_file_away_then_back_within_10_seconds(
    sqlite_server: LiveServer, put_in_its_place: Callable[[Path], None]
) -> None:
    server = sqlite_server
    signed_in = seed_supporter_and_crisis_line(server)
    path = Path(make_url(server.database_url).database or "")
    aside = path.with_name(f"{path.name}.aside")
    server.engine.dispose()  # the test's own connections: only the server's remain
    with server.client() as http:
        assert http.get("/crisis", headers=HTML).status_code == 200  # reads the crisis list
        assert (
            http.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=signed_in).status_code
            == 201
        )
        assert http.get("/readyz").status_code == 200

        path.rename(aside)
        put_in_its_place(path)
        assert_everything_answers_503(http, signed_in)

        if path.is_dir():
            shutil.rmtree(path)
        aside.rename(path)
        took = wait_until_answering(http, signed_in)
        assert (
            http.post("/api/v1/encounters", json=ENCOUNTER_BODY, headers=signed_in).status_code
            == 201
        )

    assert took < BACK_WITHIN_SECONDS
    with Session(server.engine) as session:
        # Nothing written to the moved file while it was away, nothing lost: the two written.
        assert session.exec(select(func.count()).select_from(Encounter)).one() == 2
