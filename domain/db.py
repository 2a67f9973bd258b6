"""Engines and sessions. SQLite is the embedded default (WAL, foreign keys on); PostgreSQL
serves production and several app instances."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from domain.audit.sealing import install_audit_sealing

SQLITE_BUSY_TIMEOUT_MS = 5000
# What a client is told to wait when the database is busy or away: long enough for a queue of
# writers or a restarting server, short enough for a person holding a phone.
RETRY_AFTER_UNAVAILABLE_SECONDS = 2
# The database is busy (a lock not granted in time, a deadlock, a serialization failure) or
# away (refused, dropped, a full pool): the client may retry, nothing it sent was wrong.
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)
# An execution option for a connection that only reads (`audit verify`): on SQLite it begins a
# plain deferred transaction, a WAL snapshot that never blocks writers, instead of IMMEDIATE.
READ_ONLY = {"read_only": True}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock at the start. A deferred BEGIN that reads and then
        # writes cannot upgrade its WAL snapshot once another writer has committed, so it fails
        # at once ("database is locked") instead of waiting its turn; with IMMEDIATE every unit
        # of work queues for the lock for up to the busy timeout (then the edge answers 503).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(database_url: str) -> Engine:
    install_audit_sealing()  # every commit seals the audit events it wrote
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@lru_cache(maxsize=4)
def engine_for(database_url: str) -> Engine:
    return make_engine(database_url)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
