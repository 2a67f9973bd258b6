"""The audit chain in the database: sealing events (domain/audit/chain.py) as the transaction
that wrote them commits, and reading the chain back to verify it.

`record_audit_event` inserts an event at once with its seal empty, so services and tests see it
right after the flush. Just before the session commits (`before_commit`), the events this
transaction inserted get their seal, in id order, after the chain's current head.

How the chain stays linear when requests write events in parallel: sealing reads the head and
appends to it while holding the chain's lock, and the lock is held until the commit ends.
- PostgreSQL: `pg_advisory_xact_lock(CHAIN_LOCK_KEY)`, released by the commit itself. The head is
  read after the lock is granted, in a new statement; at READ COMMITTED (the default, which the
  app uses) that statement sees the previous sealer's committed rows, since a transaction's
  commit is visible before its locks are released.
- SQLite: nothing to take: every unit of work starts with BEGIN IMMEDIATE (domain/db.py), so the
  transaction already holds the database's only write lock.
Why parallel requests never fail because of it: the lock is taken last, right before commit,
after every row lock the transaction takes, so it waits only for other sealers' short tail (a
read of the head, a few one-row updates, the commit) and cannot close a deadlock cycle (a
transaction holding it waits for nothing but its own commit). Transactions that wrote no event
take no lock. A unique index on `seq` and the database's sealing trigger (the new seq must be
the head's + 1, the new prev_hash the head's hash) turn any bug that bypassed the lock into a
refused commit rather than a forked chain.

Only the outermost commit seals: releasing a savepoint (`begin_nested`) does not, so the lock is
never held across the rest of a transaction. Under the tests' `create_savepoint` sessions the
session's own commit seals inside the test's outer transaction, which then rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from domain.audit.chain import (
    ChainReport,
    EventContent,
    Seal,
    StoredEvent,
    seal_after,
    verify_chain,
)
from domain.audit.models import AuditEvent

# Any constant that no other code uses for pg_advisory_xact_lock: "auditch" in ASCII.
CHAIN_LOCK_KEY = 0x61756469746368
_TO_SEAL = "audit_event_ids_to_seal"  # Session.info key: ids this transaction inserted
audit_event = AuditEvent.__table__  # type: ignore[attr-defined]
CONTENT_COLUMNS = ("at", "actor", "action", "object_type", "object_id", "outcome", "ip")


def content_of(row: Any) -> EventContent:
    return EventContent(**{name: getattr(row, name) for name in CONTENT_COLUMNS})


def chain_head(connection: Connection) -> Seal | None:
    row = connection.execute(
        sa.select(audit_event.c.seq, audit_event.c.prev_hash, audit_event.c.hash)
        .where(audit_event.c.seq.is_not(None))
        .order_by(audit_event.c.seq.desc())
        .limit(1)
    ).first()
    return Seal(row.seq, row.prev_hash, row.hash) if row else None


def take_chain_lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))


def seal_events(connection: Connection, ids: list[int]) -> dict[int, Seal]:
    """Seal the still unsealed events among `ids`, in id order, after the chain's head."""
    take_chain_lock(connection)
    rows = connection.execute(
        sa.select(audit_event)
        .where(audit_event.c.id.in_(ids), audit_event.c.hash.is_(None))
        .order_by(audit_event.c.id)
    ).all()
    if not rows:
        return {}
    seals = seal_after(chain_head(connection), [content_of(row) for row in rows])
    for row, seal in zip(rows, seals, strict=True):
        connection.execute(
            audit_event.update()
            .where(audit_event.c.id == row.id)
            .values(seq=seal.seq, prev_hash=seal.prev_hash, hash=seal.hash)
        )
    return {row.id: seal for row, seal in zip(rows, seals, strict=True)}


def remember_inserted_event(_mapper: Any, _connection: Connection, target: AuditEvent) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_TO_SEAL, set()).add(target.id)


def seal_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released; the outermost commit seals
    if any(isinstance(pending, AuditEvent) for pending in session.new):
        session.flush()
    ids = session.info.pop(_TO_SEAL, None)
    if not ids:
        return
    seals = seal_events(session.connection(), sorted(ids))
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, AuditEvent) and loaded.id in seals:
            seal = seals[loaded.id]
            for name in ("seq", "prev_hash", "hash"):
                set_committed_value(loaded, name, getattr(seal, name))


def forget_after_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_TO_SEAL, None)


def install_audit_sealing() -> None:
    """Seal audit events on every session's commit. Idempotent; called where engines are made."""
    hooks: list[tuple[Any, str, Any]] = [
        (AuditEvent, "after_insert", remember_inserted_event),
        (Session, "before_commit", seal_before_commit),
        (Session, "after_transaction_end", forget_after_transaction),
    ]
    for target, name, hook in hooks:
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)


def stored_events(connection: Connection) -> Iterator[StoredEvent]:
    """Every event in chain order (sealed by seq, then unsealed by id), in one statement: one
    consistent snapshot on both databases, streamed rather than loaded at once."""
    rows = connection.execute(
        sa.select(audit_event)
        .order_by(audit_event.c.seq.asc().nulls_last(), audit_event.c.id)
        .execution_options(stream_results=True, yield_per=1000)
    )
    for row in rows:
        yield StoredEvent(row.id, content_of(row), row.seq, row.prev_hash, row.hash)


def verify_stored_chain(connection: Connection) -> ChainReport:
    """Walk the whole trail to its first break (open `connection` with domain.db.READ_ONLY)."""
    return verify_chain(stored_events(connection))
