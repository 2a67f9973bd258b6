"""Running the Alembic migrations from code (the CLI, the server's readiness check, tests)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from domain.db import READ_ONLY, sqlite_file
from domain.resources.search_index import is_search_index
from domain.settings import REPO_ROOT

# A readiness probe must answer quickly, also while writers hold the lock.
PROBE_TIMEOUT_SECONDS = 1


def _compare_server_default(
    _context: object,
    _inspected_column: object,
    metadata_column: sa.Column[Any],
    inspected_default: str | None,
    _metadata_default: object,
    rendered_metadata_default: str | None,
) -> bool | None:
    """PostgreSQL has no `=` for `json`, which Alembic's own comparison of a JSON column's
    default runs in the database: compare their text instead. None: Alembic's own way."""
    if isinstance(metadata_column.type, sa.JSON) and inspected_default is not None:
        return inspected_default.split("::")[0] != rendered_metadata_default
    return None


def _outside_search_index(name: str | None, type_: str, parent_names: object) -> bool:
    return not is_search_index(name, type_, parent_names)


# How a database is compared with the models (Alembic's autogenerate, the migration tests).
SCHEMA_COMPARISON: dict[str, Any] = {
    "compare_type": True,
    "compare_server_default": _compare_server_default,
    # The search index is each database's own kind of object, made by a migration.
    "include_name": _outside_search_index,
}


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def downgrade_to_base(engine: Engine) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect().execution_options(**READ_ONLY) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def probe_revision(engine: Engine) -> str | None:
    """The database's revision read afresh, for the readiness probe; raises when the database
    cannot be read. SQLite is read through a new read-only connection of its own: it takes no
    write lock (units of work take it at BEGIN), and unlike a pooled connection it cannot go
    on reading a file that was moved away or replaced, nor create an empty one."""
    path = sqlite_file(engine)
    if path is None:
        return current_revision(engine)
    location = f"file:{quote(str(path))}?mode=ro"
    with closing(sqlite3.connect(location, uri=True, timeout=PROBE_TIMEOUT_SECONDS)) as db:
        migrated = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if migrated is None:
            return None
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
