"""Which database the suite runs on, and making a fresh one for it.

`TEST_DATABASE_URL` unset: a new SQLite file per run. Set to PostgreSQL: that database is
created when missing and emptied first. Under CI=true an unreachable PostgreSQL fails the run;
elsewhere it skips it with a loud notice."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from domain.settings import normalize_database_url

RUNNING_IN_CI = os.environ.get("CI", "").lower() == "true"


def test_database_url() -> str:
    configured = os.environ.get("TEST_DATABASE_URL", "").strip()
    if configured:
        return normalize_database_url(configured)
    folder = Path(tempfile.mkdtemp(prefix="peer-support-tests-"))
    return f"sqlite:///{folder / 'test.db'}"


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def sibling_database_url(url: str, suffix: str) -> str:
    """Another database next to `url` (for tests that migrate up and down on their own)."""
    parsed = make_url(url)
    if is_postgresql(url):
        return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(
            hide_password=False
        )
    database = Path(parsed.database or "test.db")
    return f"sqlite:///{database.with_name(f'{database.stem}_{suffix}.db')}"


def recreate_postgresql_database(url: str) -> None:
    """Drop and create the database named in `url`, through the server's `postgres` database."""
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = parsed.database
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


def fresh_database(url: str) -> None:
    if is_postgresql(url):
        recreate_postgresql_database(url)
        return
    path = Path(make_url(url).database or "")
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
