"""`peer-support serve --with-worker`: the worker child never outlives the server, whether the
server is stopped with SIGTERM (it stops the worker on the way out) or killed outright (the
worker notices its parent is gone and stops by itself)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from domain.settings import REPO_ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

GENEROUS_SECONDS = 60


def parent_of(pid: int) -> int | None:
    """The parent pid of a live (not zombie) process; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = stat.rpartition(")")[2].split()[:2]
    return None if state in {"Z", "X"} else int(ppid)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_of(int(entry.name)) == pid:
            found.append(int(entry.name))
    return found


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GENEROUS_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {GENEROUS_SECONDS} s for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_with_worker(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TEST_DATABASE_URL", "DATABASE_URL", "SMTP_URL"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "VAR_DIR": str(tmp_path),
        "ENVIRONMENT": "test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "warning",
    }
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run(  # noqa: S603 (our own fixed command)
        [*cli, "migrate"], cwd=REPO_ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    with (tmp_path / "serve.log").open("ab") as log:
        server = subprocess.Popen(  # noqa: S603 (our own fixed command)
            [*cli, "serve", "--with-worker", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    workers: list[int] = []
    try:

        def healthy() -> bool:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
            except httpx.TransportError:
                return False

        wait_for(healthy, "the server to answer")

        def worker_started() -> bool:
            workers[:] = children_of(server.pid)
            return bool(workers)

        wait_for(worker_started, "the worker")
        assert len(workers) == 1
        yield server, workers[0]
    finally:
        for pid in [server.pid, *workers]:
            if parent_of(pid) is not None:
                os.kill(pid, signal.SIGKILL)
        server.wait()


def test_sigterm_to_the_server_stops_its_worker_too(
    server_with_worker: tuple[subprocess.Popen[bytes], int],
) -> None:
    server, worker = server_with_worker

    server.send_signal(signal.SIGTERM)

    assert server.wait(timeout=GENEROUS_SECONDS) == 143
    wait_for(lambda: parent_of(worker) is None, "the worker to stop")


def test_a_worker_whose_server_was_killed_stops_by_itself(
    server_with_worker: tuple[subprocess.Popen[bytes], int],
) -> None:
    server, worker = server_with_worker

    server.kill()  # no chance to stop the worker

    server.wait(timeout=GENEROUS_SECONDS)
    wait_for(lambda: parent_of(worker) is None, "the worker to stop")
