"""Idempotent creation: the same key with the same request gets the first response again and
creates nothing more; the same key with a different request is refused.

The database decides races, not a check before the write. A request claims its key by inserting
the record (`INSERT ... ON CONFLICT DO NOTHING`) before it does the work, and writes the response
into that record in the same transaction:
- SQLite runs one unit of work at a time (BEGIN IMMEDIATE): a retry finds the committed record.
- PostgreSQL makes a second insert of the same (actor, key) wait until the first transaction
  ends; it then finds the committed record and replays it, or claims the key itself if the first
  rolled back. A retry that would wait longer than `IN_PROGRESS_WAIT` is told to come back
  (409, Retry-After) instead of holding a connection.
- An error, or a crash, between claim and commit takes the claim away with the work, so a key
  is never blocked by a request that did not finish, and a corrected retry may reuse it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, delete, select

from domain.actors import Actor
from domain.columns import utcnow
from domain.db import insert_for
from domain.errors import Conflict, InvalidInput
from domain.idempotency.models import IdempotencyRecord

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# How long a retry waits for the first request with its key (PostgreSQL; SQLite queues every
# writer behind the busy timeout anyway). A creation takes milliseconds: this is a stuck one.
IN_PROGRESS_WAIT = timedelta(seconds=5)
RETRY_IN_PROGRESS_SECONDS = 1
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for an expired lock_timeout


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str


@dataclass(frozen=True)
class Answer:
    response: StoredResponse
    replayed: bool  # the first request's answer, given again


class KeyInProgress(Conflict):
    """Another request with this key is still running; its answer will be replayed."""

    retry_after_seconds = RETRY_IN_PROGRESS_SECONDS

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still in progress; "
            "send it again in a moment to get its answer."
        )


class KeyUsedForAnotherRequest(InvalidInput):
    """The key was used before with a different request: nothing is done or replayed."""

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used with a different request; use a new key.",
            field="Idempotency-Key",
        )


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def run_once(
    session: Session,
    *,
    actor: Actor,
    key: str,
    fingerprint: str,
    work: Callable[[], StoredResponse],
) -> Answer:
    """`work`'s response, done at most once per (actor, key) within `RETENTION`."""
    _check_key(key)
    # A savepoint: whatever the request edge does with an error, the claim goes with the work.
    with session.begin_nested():
        first = _claim(session, actor=actor, key=key, fingerprint=fingerprint)
        if first is not None:
            return Answer(first, replayed=True)
        response = work()
        _remember(session, actor=actor, key=key, response=response)
    return Answer(response, replayed=False)


def is_valid_key(key: str) -> bool:
    return bool(key) and len(key) <= MAX_KEY_LENGTH and key.isprintable()


def _check_key(key: str) -> None:
    if not is_valid_key(key):
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            field="Idempotency-Key",
        )


def _claim(session: Session, *, actor: Actor, key: str, fingerprint: str) -> StoredResponse | None:
    """None when the key is now this request's; else the first response to replay."""
    _forget_expired(session, actor=actor, key=key)
    if _insert_claim(session, actor=actor, key=key, fingerprint=fingerprint):
        return None
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.actor == actor.audit_label, IdempotencyRecord.key == key
        )
    ).first()
    if record is not None and record.request_hash != fingerprint:
        raise KeyUsedForAnotherRequest()
    if record is None or record.status_code is None or record.response_body is None:
        raise KeyInProgress()  # gone or not finished (not seen today): ask for a retry
    return StoredResponse(status_code=record.status_code, body=record.response_body)


def _forget_expired(session: Session, *, actor: Actor, key: str) -> None:
    session.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.actor) == actor.audit_label,
            col(IdempotencyRecord.key) == key,
            col(IdempotencyRecord.created_at) <= utcnow() - RETENTION,
        )
    )


def _insert_claim(session: Session, *, actor: Actor, key: str, fingerprint: str) -> bool:
    """Insert the record without a response; False when (actor, key) has one already."""
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    statement = (
        insert_for(session, IdempotencyRecord)
        .values(actor=actor.audit_label, key=key, request_hash=fingerprint, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["actor", "key"])
        .returning(col(IdempotencyRecord.id))
    )
    if not on_postgresql:
        return session.execute(statement).first() is not None
    wait_ms = int(IN_PROGRESS_WAIT.total_seconds() * 1000)
    session.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{wait_ms}"})
    try:
        claimed = session.execute(statement).first() is not None
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise KeyInProgress() from None
        raise
    session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    return claimed


def _remember(session: Session, *, actor: Actor, key: str, response: StoredResponse) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.actor) == actor.audit_label,
            col(IdempotencyRecord.key) == key,
        )
        .values(status_code=response.status_code, response_body=response.body)
    )
