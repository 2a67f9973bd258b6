"""`peer-support audit verify`, run as a real process on a database of the suite's kind: exit 0
with the count when the chain is intact; one line naming the first broken event otherwise, for
rows forged with the database's refusals (triggers) dropped."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from domain.actors import Actor
from domain.audit.sealing import verify_stored_chain
from domain.audit.service import record_audit_event
from domain.db import READ_ONLY, make_engine, unit_of_work
from domain.migrations import upgrade_to_head
from domain.settings import REPO_ROOT
from tests.databases import fresh_database, sibling_database_url

EVENTS = 5  # two in one transaction, then three in a transaction each


@pytest.fixture
def trail(engine: Engine, database_url: str) -> tuple[str, list[int]]:
    """A fresh database holding a sealed trail of EVENTS events; its URL and the event ids."""
    url = sibling_database_url(database_url, "verify")
    fresh_database(url)
    trail_engine = make_engine(url)
    upgrade_to_head(trail_engine)
    ids: list[int] = []
    for batch in ([0, 1], [2], [3], [4]):
        with unit_of_work(trail_engine) as session:
            for n in batch:
                event = record_audit_event(
                    session=session,
                    actor=Actor.operator(),
                    action=f"test.event.{n}",
                    object_type="thing",
                    object_id=n,
                )
                ids.append(event.id or 0)
    trail_engine.dispose()
    return url, ids


def verify(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "audit", "verify"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"DATABASE_URL": url, "VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )


def forge(url: str, *statements: str) -> None:
    """Run `statements` as someone who first drops the audit trail's triggers."""
    forger = make_engine(url)
    try:
        with forger.begin() as connection:
            drop_audit_triggers(connection)
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        forger.dispose()


def drop_audit_triggers(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        names = connection.execute(
            sa.text(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal"
            )
        ).scalars()
        for name in list(names):
            connection.execute(sa.text(f'DROP TRIGGER "{name}" ON audit_event'))
        return
    names = connection.execute(
        sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        )
    ).scalars()
    for name in list(names):
        connection.execute(sa.text(f'DROP TRIGGER "{name}"'))


def assert_breaks_at(result: subprocess.CompletedProcess[str], event_id: int, why: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"the audit chain breaks at event {event_id}: {why}" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_intact_trail_exits_0_with_the_count(
    trail: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, _ = trail
    result = verify(url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Audit chain intact: {EVENTS} events verified; head: seq 5,")
    assert result.stderr == ""


def test_a_changed_field_is_caught_at_that_event(
    trail: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, ids = trail
    forge(url, f"UPDATE audit_event SET outcome = 'failure' WHERE id = {ids[2]}")
    result = verify(url, tmp_path)
    assert_breaks_at(result, ids[2], "its content does not match its hash")
    assert "(2 events before it verified)" in result.stderr


def test_a_deleted_event_in_the_middle_is_caught_at_the_next(
    trail: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, ids = trail
    forge(url, f"DELETE FROM audit_event WHERE id = {ids[2]}")
    assert_breaks_at(verify(url, tmp_path), ids[3], "seq 4 follows seq 2: 1 event(s) missing")


def test_a_deleted_event_with_its_successors_renumbered_is_caught(
    trail: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, ids = trail
    forge(
        url,
        f"DELETE FROM audit_event WHERE id = {ids[2]}",
        f"UPDATE audit_event SET seq = seq - 1 WHERE id IN ({ids[3]}, {ids[4]})",
    )
    assert_breaks_at(verify(url, tmp_path), ids[3], "its prev_hash does not match")


def test_an_event_written_around_the_sealing_hook_is_caught(
    trail: tuple[str, list[int]], tmp_path: Path
) -> None:
    """No triggers need dropping: an INSERT is allowed, but only sealing gives it a place."""
    url, _ = trail
    forger = make_engine(url)
    with forger.begin() as connection:
        inserted = connection.execute(
            sa.text(
                "INSERT INTO audit_event (at, actor, action, object_type, outcome) "
                "SELECT at, 'forger', 'test.forged', 'thing', 'success' FROM audit_event "
                "WHERE seq = 1 RETURNING id"
            )
        ).scalar_one()
    forger.dispose()
    assert_breaks_at(verify(url, tmp_path), inserted, "it is not sealed")


def test_verifying_does_not_hold_back_writers(trail: tuple[str, list[int]]) -> None:
    """On SQLite a verifying reader takes a snapshot, not the write lock (which would make every
    write wait, then fail after the busy timeout, for as long as verify runs)."""
    url, _ = trail
    trail_engine = make_engine(url)
    try:
        with trail_engine.connect().execution_options(**READ_ONLY) as reader:
            reading = reader.execute(sa.text("SELECT id FROM audit_event ORDER BY id"))
            assert reading.fetchone() is not None  # mid-read: the snapshot is held
            started = time.monotonic()
            with unit_of_work(trail_engine) as session:
                record_audit_event(session=session, actor=Actor.operator(), action="test.write",
                                   object_type="thing")  # fmt: skip
            assert time.monotonic() - started < 1
            assert verify_stored_chain(reader).first_break is None
    finally:
        trail_engine.dispose()
