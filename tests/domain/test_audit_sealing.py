"""Audit events are sealed into the chain as their transaction commits, and the database refuses
every other way of changing the trail: UPDATE, DELETE, REPLACE, TRUNCATE (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from domain.audit.chain import GENESIS_HASH, Seal
from domain.audit.models import AuditEvent
from domain.audit.sealing import chain_head, verify_stored_chain
from domain.audit.service import record_audit_event
from tests.factories import COORDINATOR

REFUSED = "append-only"


def record(db: Session, action: str = "test.action") -> AuditEvent:
    return record_audit_event(
        session=db, actor=COORDINATOR, action=action, object_type="thing", object_id=7
    )


def stored(db: Session, event_id: int | None) -> sa.Row[tuple[object, ...]]:
    """The row as the database holds it (not the session's object)."""
    query = sa.text("SELECT * FROM audit_event WHERE id = :id")
    return db.connection().execute(query, {"id": event_id}).one()


def head(db: Session) -> Seal | None:
    return chain_head(db.connection())


def refused(db: Session, sql: str, **params: object) -> None:
    """`sql` fails in the database with the trail's refusal, and changes nothing."""
    with pytest.raises(DBAPIError, match=REFUSED), db.begin_nested():
        db.connection().execute(sa.text(sql), params)


def test_an_event_is_visible_at_once_and_unsealed_until_its_transaction_commits(
    db: Session,
) -> None:
    before = head(db)
    event = record(db)
    assert (stored(db, event.id).seq, stored(db, event.id).hash) == (None, None)
    db.commit()
    sealed = stored(db, event.id)
    assert sealed.seq == (before.seq if before else 0) + 1
    assert sealed.prev_hash == (before.hash if before else GENESIS_HASH)
    assert len(sealed.hash) == 64
    assert (event.seq, event.hash) == (sealed.seq, sealed.hash)  # the object in hand knows it


def test_one_transaction_s_events_become_consecutive_links_in_id_order(db: Session) -> None:
    events = [record(db, action=f"test.{n}") for n in range(3)]
    db.commit()
    rows = [stored(db, event.id) for event in events]
    assert [row.seq for row in rows] == [rows[0].seq, rows[0].seq + 1, rows[0].seq + 2]
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert head(db) == Seal(rows[2].seq, rows[2].prev_hash, rows[2].hash)


def test_releasing_a_savepoint_does_not_seal_only_the_commit_does(db: Session) -> None:
    with db.begin_nested():
        event = record(db)
    assert stored(db, event.id).hash is None
    db.commit()
    assert stored(db, event.id).hash is not None


def test_a_rolled_back_event_leaves_no_gap(db: Session) -> None:
    before = head(db)
    record(db, action="test.rolled_back")
    db.rollback()
    kept = record(db, action="test.kept")
    db.commit()
    assert stored(db, kept.id).seq == (before.seq if before else 0) + 1


def test_a_commit_without_events_changes_nothing(db: Session) -> None:
    record(db)
    db.commit()
    before = head(db)
    db.commit()
    assert head(db) == before


def test_the_trail_verifies_after_commits(db: Session) -> None:
    for _ in range(3):
        record(db)
        db.commit()
    report = verify_stored_chain(db.connection())
    assert report.first_break is None
    assert report.head == head(db)


# --- the database's refusals ---


def test_a_sealed_event_cannot_be_changed(db: Session) -> None:
    event = record(db)
    db.commit()
    refused(db, "UPDATE audit_event SET outcome = 'failure' WHERE id = :id", id=event.id)
    refused(db, "UPDATE audit_event SET hash = :h WHERE id = :id", id=event.id, h="f" * 64)
    refused(db, "UPDATE audit_event SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = :id",
            id=event.id)  # fmt: skip
    assert stored(db, event.id).outcome == "success"


def test_sealing_cannot_change_the_content(db: Session) -> None:
    event = record(db)
    current = head(db)
    seq, prev = (current.seq + 1, current.hash) if current else (1, GENESIS_HASH)
    refused(
        db,
        "UPDATE audit_event SET actor = 'someone-else', seq = :seq, prev_hash = :prev, hash = :h "
        "WHERE id = :id",
        id=event.id, seq=seq, prev=prev, h="a" * 64,
    )  # fmt: skip


def test_sealing_must_append_to_the_head(db: Session) -> None:
    event = record(db)
    current = head(db)
    seq, prev = (current.seq + 1, current.hash) if current else (1, GENESIS_HASH)
    seal = "UPDATE audit_event SET seq = :seq, prev_hash = :prev, hash = :h WHERE id = :id"
    refused(db, seal, id=event.id, seq=seq + 1, prev=prev, h="a" * 64)  # a gap
    refused(db, seal, id=event.id, seq=seq, prev="b" * 64, h="a" * 64)  # another prev_hash
    if current:
        refused(db, seal, id=event.id, seq=current.seq, prev=current.prev_hash, h="a" * 64)


def test_an_event_cannot_be_inserted_sealed(db: Session) -> None:
    """Seals come only from sealing, which the UPDATE trigger holds to the chain's rules."""
    event = record(db)
    current = head(db)
    refused(
        db,
        "INSERT INTO audit_event (at, actor, action, object_type, outcome, seq, prev_hash, hash) "
        "SELECT at, 'forger', action, object_type, outcome, :seq, :prev, :h FROM audit_event "
        "WHERE id = :id",
        id=event.id,
        seq=(current.seq if current else 0) + 1, prev=GENESIS_HASH, h="c" * 64,
    )  # fmt: skip


def test_an_event_cannot_be_deleted_sealed_or_not(db: Session) -> None:
    sealed = record(db)
    db.commit()
    unsealed = record(db)
    for event in (sealed, unsealed):
        refused(db, "DELETE FROM audit_event WHERE id = :id", id=event.id)
        assert stored(db, event.id).id == event.id


def test_an_event_cannot_be_replaced(db: Session) -> None:
    """SQLite: INSERT OR REPLACE deletes the old row without firing DELETE triggers, so the
    BEFORE INSERT trigger refuses it. PostgreSQL: an upsert is an UPDATE, refused."""
    event = record(db)
    db.commit()
    copy = "SELECT id, at, 'forger', action, object_type, object_id, outcome, ip FROM audit_event"
    columns = "(id, at, actor, action, object_type, object_id, outcome, ip)"
    if db.get_bind().dialect.name == "sqlite":
        refused(db, f"INSERT OR REPLACE INTO audit_event {columns} {copy} WHERE id = :id",
                id=event.id)  # fmt: skip
        refused(db, f"REPLACE INTO audit_event {columns} {copy} WHERE id = :id", id=event.id)
    else:
        refused(
            db,
            f"INSERT INTO audit_event {columns} {copy} WHERE id = :id "
            "ON CONFLICT (id) DO UPDATE SET actor = EXCLUDED.actor",
            id=event.id,
        )
    assert stored(db, event.id).actor == COORDINATOR.audit_label


def test_the_trail_cannot_be_emptied(db: Session) -> None:
    """PostgreSQL: TRUNCATE (a statement trigger). SQLite has no TRUNCATE: its truncate
    optimization of DELETE without WHERE is off when a DELETE trigger exists."""
    event = record(db)
    db.commit()
    if db.get_bind().dialect.name == "postgresql":
        refused(db, "TRUNCATE audit_event")
    refused(db, "DELETE FROM audit_event")
    assert stored(db, event.id).id == event.id
