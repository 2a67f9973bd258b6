"""A live server for tests of what only real traffic shows: races, retries, a database that
goes away, a process killed mid-write.

The app runs in a uvicorn subprocess on a database of its own (a sibling of the test database:
SQLite or PostgreSQL, as the pass runs), migrated to head. It serves on a listening socket this
process keeps (`uvicorn --fd`), so the address survives `kill()` and `start()`: requests sent
while it is down wait in the socket's backlog instead of being refused. Rows are seeded through
`seed()`, which commits; tokens are issued with the server's own key ring.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import token_issuer
from domain.auth.tokens import issue_access_token
from domain.columns import utcnow
from domain.db import make_engine, unit_of_work
from domain.migrations import upgrade_to_head
from domain.settings import REPO_ROOT, Settings
from tests.databases import fresh_database

T = TypeVar("T")
START_SECONDS = 30
REQUEST_SECONDS = 30


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


class LiveServer:
    """One uvicorn process serving the whole app; `start`, `stop`, `kill` (SIGKILL)."""

    def __init__(self, *, database_url: str, var_dir: Path, env: dict[str, str] | None = None):
        self.database_url = database_url
        self.var_dir = var_dir
        self.extra_env = env or {}
        self.settings = Settings(
            _env_file=None, environment="test", database_url=database_url, var_dir=var_dir
        )
        self.engine: Engine = make_engine(database_url)
        self.issuer = token_issuer(self.settings)  # creates the key ring the server reads
        self.socket = listening_socket()
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = var_dir / "server.log"

    @classmethod
    def on_fresh_database(cls, database_url: str, var_dir: Path, **kwargs: object) -> LiveServer:
        fresh_database(database_url)
        engine = make_engine(database_url)
        try:
            upgrade_to_head(engine)
        finally:
            engine.dispose()
        return cls(database_url=database_url, var_dir=var_dir, **kwargs)  # type: ignore[arg-type]

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"TEST_DATABASE_URL", "DATABASE_URL"}
        }
        env |= {
            "DATABASE_URL": self.database_url,
            "VAR_DIR": str(self.var_dir),
            "ENVIRONMENT": "test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "warning",
        }
        return env | self.extra_env

    def start(self) -> None:
        assert self.process is None, "the server is running already"
        command = [
            sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
            "--fd", str(self.socket.fileno()), "--log-level", "warning", "--no-access-log",
            "--no-proxy-headers",  # as `peer-support serve`: the app reads FORWARDED_ALLOW_IPS
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own fixed command)
                command,
                cwd=REPO_ROOT,
                env=self.environment(),
                pass_fds=(self.socket.fileno(),),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_healthy()

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the live server exited while starting:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the live server did not answer /healthz:\n{self.log()}")

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback, no flush; what the database kept is all there is."""
        self._end(signal.SIGKILL)

    def _end(self, how: signal.Signals) -> None:
        if self.process is None:
            return
        self.process.send_signal(how)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        self.socket.close()
        self.engine.dispose()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=REQUEST_SECONDS, **kwargs)  # type: ignore[arg-type]

    def seed(self, make: Callable[[Session], T]) -> T:
        """Run `make` in a committed unit of work of its own and return what it made."""
        with unit_of_work(self.engine) as session:
            return make(session)

    def bearer(self, subject: str, scopes: frozenset[str] = frozenset()) -> dict[str, str]:
        """Authorization for `user:<id>` or `client:<id>`, signed by the server's key ring."""
        token = issue_access_token(
            self.issuer.ring,
            issuer=self.issuer.issuer,
            audience=self.issuer.audience,
            subject=subject,
            scopes=scopes,
            now=utcnow(),
        )
        return {"Authorization": f"Bearer {token}"}


@contextmanager
def running_server(database_url: str, var_dir: Path, **kwargs: object) -> Iterator[LiveServer]:
    server = LiveServer.on_fresh_database(database_url, var_dir, **kwargs)
    try:
        server.start()
        yield server
    finally:
        server.close()


def at_once(count: int, request: Callable[[int], T]) -> list[T]:
    """Run `request(0) … request(count - 1)` in `count` threads released together, so they
    reach the server as nearly at the same moment as a test can make them."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait(timeout=REQUEST_SECONDS)
        return request(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
