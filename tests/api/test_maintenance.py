"""The server purges expired rows on its own schedule: the task started with the app runs the
purge in its own unit of work, and a failed run (the database away) is logged while the loop
and the app go on."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from api.app import create_app
from domain.columns import utcnow
from domain.settings import Settings
from domain.users.models import User
from domain.web_sessions.models import WebSession
from tests.factories import make_user

SHORT_INTERVAL = 0.05


def settings_for(database_url: str, var_dir: Path, interval: float) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        var_dir=var_dir,
        purge_interval_seconds=interval,
    )


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(SHORT_INTERVAL)
    return False


@pytest.fixture
def committed_sessions(engine: Engine) -> Iterator[dict[str, int]]:
    """An ended and a live page session, committed (the purge runs in its own transaction);
    removed afterwards so other tests never see them."""
    now = utcnow()
    with Session(engine) as session:
        user = make_user(session)
        assert user.id is not None
        rows = {
            # Ended sessions stay 12 hours for a late form's person; this one is past that.
            "ended": WebSession(token_hash=secrets.token_hex(32), user_id=user.id,
                                csrf_token="c", expires_at=now - timedelta(hours=12, seconds=1)),
            "live": WebSession(token_hash=secrets.token_hex(32), user_id=user.id,
                               csrf_token="c", expires_at=now + timedelta(hours=1)),
        }  # fmt: skip
        session.add_all(rows.values())
        session.commit()
        ids = {name: row.id for name, row in rows.items() if row.id is not None}
        user_id = user.id
    yield ids
    with Session(engine) as session:
        session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
        session.delete(session.get(User, user_id))
        session.commit()


def session_ids(engine: Engine) -> set[int]:
    with Session(engine) as session:
        return {row_id for row_id in session.exec(select(WebSession.id)).all() if row_id}


def test_the_running_app_purges_expired_rows_every_interval(
    engine: Engine, database_url: str, tmp_path: Path, committed_sessions: dict[str, int]
) -> None:
    settings = settings_for(database_url, tmp_path, SHORT_INTERVAL)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as app:
        assert wait_until(lambda: committed_sessions["ended"] not in session_ids(engine))
        assert committed_sessions["live"] in session_ids(engine)
        assert app.get("/healthz").status_code == 200


def test_no_purge_runs_before_the_first_interval_or_when_turned_off(
    engine: Engine, database_url: str, tmp_path: Path, committed_sessions: dict[str, int]
) -> None:
    for interval in (60.0, 0.0):
        settings = settings_for(database_url, tmp_path, interval)
        with TestClient(create_app(settings), base_url="http://127.0.0.1") as app:
            assert app.get("/healthz").status_code == 200
            time.sleep(5 * SHORT_INTERVAL)
            assert committed_sessions["ended"] in session_ids(engine)


def test_a_database_that_is_away_is_logged_and_the_loop_and_app_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A directory where the SQLite file should be: every connection fails.
    unopenable = tmp_path / "database-is-a-directory"
    unopenable.mkdir()
    settings = settings_for(f"sqlite:///{unopenable}", tmp_path, SHORT_INTERVAL)

    def failures() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.message.startswith("Purging expired rows failed")]

    with (
        caplog.at_level(logging.ERROR, logger="peer_support.maintenance"),
        TestClient(create_app(settings), base_url="http://127.0.0.1") as app,
    ):
        assert wait_until(lambda: len(failures()) >= 3)
        assert app.get("/healthz").status_code == 200
    assert "unable to open database file" in (failures()[0].exc_text or "")
