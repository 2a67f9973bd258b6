"""Mail tests: a real SMTP server (aiosmtpd) on a free loopback port, a clock the test steps
forward, and a database of their own per test, migrated to head, because the worker claims
jobs in transactions of its own (committed rows, not the rolled-back test transaction)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from domain.db import make_engine
from domain.jobs.worker import Worker
from domain.migrations import upgrade_to_head
from domain.settings import Settings
from tests.databases import fresh_database, sibling_database_url


def reserved_port() -> socket.socket:
    """A loopback port held by a bound socket that does not listen: nobody else can take it,
    and (on Linux) connections to it are refused, as to a server that is down."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class SocketController(Controller):
    """aiosmtpd's controller serving on a socket we bound already (no window to lose the port)."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        self.sock = sock
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


class Inbox:
    """What the SMTP server received, as parsed messages (thread-safe)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> bool:
        """Until `count` messages have arrived (True) or `timeout` seconds passed (False)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["To"] == address]


@dataclass
class SmtpServer:
    """An aiosmtpd server on a fixed port, held from the start (`reserved_port`), that a test
    can stop and start again."""

    reservation: socket.socket | None = field(default_factory=reserved_port)
    inbox: Inbox = field(default_factory=Inbox)
    controller: Controller | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.reservation is not None
        self.port = int(self.reservation.getsockname()[1])

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock, self.reservation = self.reservation, None
        if sock is None:  # started before: bind the same port again
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.port))
        self.controller = SocketController(self.inbox, sock, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self.reservation is not None:
            self.reservation.close()
            self.reservation = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server_down() -> Iterator[SmtpServer]:
    """Not started: connections to its port are refused until the test starts it."""
    server = SmtpServer()
    yield server
    server.stop()


class Clock:
    """The worker's clock: stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta

    def set(self, moment: datetime) -> None:
        self.moment = moment


@pytest.fixture
def clock() -> Clock:
    """A minute ahead of the real time, so what the test queues (at the real time) is due."""
    return Clock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))


@pytest.fixture
def mail_engine(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database of this test's own, migrated to head (the suite's engine is only asked for
    so an unreachable PostgreSQL skips the way the suite does)."""
    url = sibling_database_url(database_url, "mail")
    fresh_database(url)
    mail = make_engine(url)
    upgrade_to_head(mail)
    yield mail
    mail.dispose()


def settings_for(engine: Engine, var_dir: Path, smtp_url: str | None) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database_url=engine.url.render_as_string(hide_password=False),
        var_dir=var_dir,
        smtp_url=smtp_url,
        mail_from="Peer Support <peer-support@hospital.example.org>",
        purge_interval_seconds=0,
    )


def worker_for(
    engine: Engine, var_dir: Path, smtp: SmtpServer | None, clock: Clock, **kwargs: Any
) -> Worker:
    settings = settings_for(engine, var_dir, smtp.url if smtp else None)
    return Worker(engine=engine, settings=settings, clock=clock, **kwargs)
