"""The audit chain's migration seals the events written before it, in id order, and going down
restores the first migration's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from domain.audit.chain import GENESIS_HASH
from domain.audit.sealing import verify_stored_chain
from domain.db import make_engine
from domain.migrations import alembic_config, upgrade_to_head
from tests.databases import fresh_database, sibling_database_url

CHAIN_REVISION = "2a66faf1f9cd"
BEFORE_CHAIN = ScriptDirectory.from_config(alembic_config()).get_revision(CHAIN_REVISION)
OLD_EVENTS = [
    {"at": datetime(2026, 11, 1, 8, 0, tzinfo=UTC), "actor": "cli", "action": "user.create",
     "object_type": "user", "object_id": "1", "outcome": "success", "ip": None},
    {"at": datetime(2026, 11, 2, 9, 15, 30, 250000, tzinfo=UTC), "actor": "user:1",
     "action": "auth.token", "object_type": "user", "object_id": None, "outcome": "failure",
     "ip": "203.0.113.9"},
    {"at": datetime(2026, 11, 3, 23, 59, 59, 999999, tzinfo=UTC), "actor": "user:1",
     "action": "export.csv", "object_type": "report", "object_id": "setting",
     "outcome": "success", "ip": "2001:db8::1"},
]  # fmt: skip


def migrate(engine: Engine, direction: str, revision: str) -> None:
    with engine.begin() as connection:
        getattr(command, direction)(alembic_config(connection), revision)


@pytest.fixture
def scratch_engine(engine: Engine, database_url: str) -> Iterator[Engine]:
    url = sibling_database_url(database_url, "chain_migration")
    fresh_database(url)
    scratch = make_engine(url)
    yield scratch
    scratch.dispose()


def audit_event_table(engine: Engine) -> sa.Table:
    return sa.Table("audit_event", sa.MetaData(), autoload_with=engine)


def test_events_from_before_the_chain_are_sealed_in_id_order(scratch_engine: Engine) -> None:
    assert BEFORE_CHAIN is not None
    migrate(scratch_engine, "upgrade", str(BEFORE_CHAIN.down_revision))
    table = audit_event_table(scratch_engine)
    with scratch_engine.begin() as connection:
        connection.execute(table.insert(), OLD_EVENTS)
    upgrade_to_head(scratch_engine)

    with scratch_engine.connect() as connection:
        report = verify_stored_chain(connection)
        rows = connection.execute(sa.text("SELECT * FROM audit_event ORDER BY id")).all()
    assert report.first_break is None
    assert report.verified == 3
    assert [row.seq for row in rows] == [1, 2, 3]
    assert [row.prev_hash for row in rows] == [GENESIS_HASH, rows[0].hash, rows[1].hash]
    assert [row.actor for row in rows] == ["cli", "user:1", "user:1"]


def test_going_down_restores_the_refusal_of_every_update(scratch_engine: Engine) -> None:
    upgrade_to_head(scratch_engine)
    assert BEFORE_CHAIN is not None
    migrate(scratch_engine, "downgrade", str(BEFORE_CHAIN.down_revision))
    table = audit_event_table(scratch_engine)
    assert "hash" not in table.c
    with scratch_engine.begin() as connection:
        connection.execute(table.insert(), OLD_EVENTS[:1])
    for statement in ("UPDATE audit_event SET outcome = 'failure'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), scratch_engine.begin() as connection:
            connection.execute(sa.text(statement))
