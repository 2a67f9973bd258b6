"""`lock_for`: one named lock per unit of work, shared by every process of the app."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from domain.db import lock_for, lock_key
from tests.databases import is_postgresql


def test_the_key_of_a_name_is_the_same_in_every_process() -> None:
    # Python's hash() of a str changes from process to process; the lock key must not.
    assert lock_key("org_unit.tree") == 5456944727135823079
    assert lock_key("org_unit.tree") != lock_key("org_unit.tree ")


def taken_elsewhere(engine: Engine, name: str) -> bool:
    with engine.connect() as other:
        free = other.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}
        )
        taken = not free.scalar_one()
        other.rollback()
        return taken


def test_on_postgresql_the_lock_holds_until_the_unit_of_work_ends(
    engine: Engine, database_url: str
) -> None:
    if not is_postgresql(database_url):
        pytest.skip("an advisory lock is PostgreSQL's")
    with Session(engine) as session:
        lock_for(session, "tree")
        assert taken_elsewhere(engine, "tree")
        assert not taken_elsewhere(engine, "another tree")
        session.commit()
    assert not taken_elsewhere(engine, "tree")


def test_on_sqlite_it_sends_nothing_as_the_write_lock_is_held_already(
    engine: Engine, database_url: str
) -> None:
    if is_postgresql(database_url):
        pytest.skip("SQLite's units of work run one at a time from BEGIN IMMEDIATE")
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    with Session(engine) as session:
        session.connection()  # BEGIN IMMEDIATE
        event.listen(engine, "before_cursor_execute", record)
        try:
            lock_for(session, "tree")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        session.rollback()
    assert sent == []
