"""Idempotent creation: the same key with the same request gets the first response again and
creates nothing more; the same key with a different request is refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from domain.actors import Actor
from domain.columns import utcnow
from domain.errors import InvalidInput
from domain.idempotency.models import IdempotencyRecord

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            field="Idempotency-Key",
        )


def replay(session: Session, *, actor: Actor, key: str, fingerprint: str) -> StoredResponse | None:
    """The stored response for this key, None for a new key; a reused key with another
    request is refused."""
    _check_key(key)
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.actor == actor.audit_label,
            IdempotencyRecord.key == key,
            col(IdempotencyRecord.created_at) > utcnow() - RETENTION,
        )
    ).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise InvalidInput(
            "This Idempotency-Key was used with a different request; use a new key.",
            field="Idempotency-Key",
        )
    return StoredResponse(status_code=record.status_code, body=record.response_body)


def remember(
    session: Session, *, actor: Actor, key: str, fingerprint: str, response: StoredResponse
) -> None:
    session.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.actor) == actor.audit_label,
            col(IdempotencyRecord.key) == key,
        )
    )
    session.add(
        IdempotencyRecord(
            actor=actor.audit_label,
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            response_body=response.body,
        )
    )
    session.flush()
