"""Engines and sessions. SQLite is the embedded default (WAL, foreign keys on); PostgreSQL
serves production and several app instances."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import Engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from domain.audit.sealing import install_audit_sealing

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = 5
# What a client is told to wait when the database is busy or away: long enough for a queue of
# writers or a restarting server, short enough for a person holding a phone.
RETRY_AFTER_UNAVAILABLE_SECONDS = 2
# The database is busy (a lock not granted in time, a deadlock, a serialization failure) or
# away (refused, dropped, a full pool): the client may retry, nothing it sent was wrong.
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)
# An execution option for a connection that only reads (health probes, `audit verify`): on
# SQLite it begins a plain deferred transaction, a WAL snapshot that never waits for writers,
# instead of IMMEDIATE.
SQLITE_BEGIN_OPTION = "sqlite_begin"
READ_ONLY = {SQLITE_BEGIN_OPTION: "DEFERRED"}


def _file_identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` now (device and inode), or None when there is none."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int, path: Path | None) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # The driver's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        if path is not None:
            record.info["file_identity"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # An open connection keeps the file it opened even after that file is moved, deleted
        # or replaced: it would go on answering from (and writing to) a file nobody sees. A
        # connection whose file is no longer at the path is dropped; the pool opens a new one,
        # which fails while the database is away (503) and works again once it is back.
        if path is not None and _file_identity(path) != record.info.get("file_identity"):
            raise DisconnectionError("the SQLite database file is no longer at its path")

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start. A deferred BEGIN that reads and then
        # writes cannot upgrade its WAL snapshot once another writer has committed, so it fails
        # at once ("database is locked") instead of waiting its turn; with IMMEDIATE every unit
        # of work queues for the lock for up to the busy timeout (then the edge answers 503).
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def read_only(engine: Engine) -> Engine:
    """The same database for work that only reads (health probes, error pages): on SQLite it
    begins DEFERRED, so it never queues behind writers for the lock it does not need."""
    return engine.execution_options(**READ_ONLY)


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite engine (None for PostgreSQL and in-memory databases)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.query.get("uri") == "true":
        return Path(unquote(url.database.removeprefix("file:")))
    return Path(url.database)


def _existing_file_only(url: URL, path: str) -> URL:
    """Open the file read-write but never create it: a server whose database file went away
    must not start a new empty one in its place (nor replay the old file's WAL into it)."""
    return url.set(database=f"file:{quote(path)}", query={"mode": "rw", "uri": "true"})


def make_engine(
    database_url: str,
    *,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    create_sqlite_file: bool = True,
) -> Engine:
    """`sqlite_busy_timeout_ms`: how long a SQLite unit of work waits for the write lock before
    it gives up (and the request answers 503). `create_sqlite_file=False` (the server): the
    SQLite file must exist already (`peer-support migrate` creates it)."""
    install_audit_sealing()  # every commit seals the audit events it wrote
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database if url.database and url.database != ":memory:" else None
        if path is not None and create_sqlite_file:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        elif path is not None:
            url = _existing_file_only(url, path)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(
            engine,
            busy_timeout_ms=sqlite_busy_timeout_ms,
            path=Path(path).resolve() if path else None,
        )
        return engine
    # pool_pre_ping: a connection the server dropped (restart, failover, terminated backend)
    # is replaced at checkout, so the app recovers as soon as the database is back. A host
    # that does not answer at all fails a new connection after connect_timeout (503) instead
    # of holding the request, and its worker thread, for the system's TCP timeout.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"connect_timeout": POSTGRESQL_CONNECT_TIMEOUT_SECONDS},
    )


@lru_cache(maxsize=4)
def engine_for(
    database_url: str, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> Engine:
    """The server's engine, one per database: SQLite files must exist already."""
    return make_engine(
        database_url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms, create_sqlite_file=False
    )


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


def lock_for(session: Session, name: str) -> None:
    """Serialize, until this unit of work ends, every unit of work that locks the same `name`.

    For a check that reads several rows and then writes one (no cycle in a tree, a bound on its
    depth): row locks cannot cover it, because two writers read and lock different rows. On
    PostgreSQL this is a transaction-level advisory lock keyed by a stable hash of `name`,
    released by commit or rollback. On SQLite it does nothing: every unit of work holds the
    database's write lock from its BEGIN IMMEDIATE, so units of work already run one at a time.
    Take it before reading what the check depends on, so the reads see the last writer's commit.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


def lock_key(name: str) -> int:
    """A signed 64-bit key that is the same in every process (Python's hash() is salted)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def insert_for(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's dialect, for `ON CONFLICT` (upserts and claims): both of our
    databases have it, SQLAlchemy's generic insert does not."""
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    return (postgresql.insert if on_postgresql else sqlite.insert)(table)


LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern whose escape character is LIKE_ESCAPE, so a
    search for `api_client` does not match `apiXclient` (`_` and `%` are wildcards)."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
